/** Does not parse: the error is at line 6, column 16 (the semicolon). */
export default function handler () {
  return 1
}

const broken = ;
