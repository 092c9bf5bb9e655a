"""Runs a command in a pseudo-terminal, as a person at a terminal would.

Copies the terminal's output to stdout. A line "INT" on stdin types Ctrl-C into the
terminal (the terminal, not this script, turns it into SIGINT for the command).
Exits with the command's exit code, or 128 + the signal that ended it, as a shell does.
"""
import os
import pty
import select
import sys

pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])

inputs = [fd, 0]
while True:
    ready, _, _ = select.select(inputs, [], [])
    if 0 in ready:
        line = os.read(0, 64)
        if not line:
            inputs.remove(0)
        elif b'INT' in line:
            os.write(fd, b'\x03')
    if fd in ready:
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b''
        if not data:
            break
        os.write(1, data)

_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
sys.exit(128 - code if code < 0 else code)
