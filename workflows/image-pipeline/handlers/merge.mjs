import { fnv1a, toHex32 } from '../../shared/checksum.mjs'

/**
 * The fan-in: reduces every filter's output to a small summary, so the execution's
 * result stays a few kilobytes whatever the image size. The checksums let a test or a
 * benchmark check that a run computed exactly the same pixels as the last one.
 */
export default function merge (input, ctx) {
  const { grayscale, blur, denoise, edges, equalize, downscale } = ctx.deps
  const { luma } = grayscale

  let sum = 0
  let sumSquares = 0
  const histogram = new Array(16).fill(0)
  for (let p = 0; p < luma.length; p++) {
    const v = luma[p]
    sum += v
    sumSquares += v * v
    histogram[v >> 4]++
  }
  const meanLuminance = sum / luma.length
  const contrast = Math.sqrt(Math.max(0, sumSquares / luma.length - meanLuminance ** 2))

  const summary = {
    width: grayscale.width,
    height: grayscale.height,
    meanLuminance: round(meanLuminance),
    contrast: round(contrast),
    edgeDensity: round(edges.density),
    noiseLevel: round(denoise.noiseLevel),
    histogram,
    checksums: {
      grayscale: toHex32(fnv1a(luma)),
      blur: toHex32(fnv1a(blur.pixels)),
      denoise: toHex32(fnv1a(denoise.pixels)),
      edges: toHex32(fnv1a(edges.magnitude)),
      equalize: toHex32(fnv1a(equalize.pixels)),
      thumbnail: toHex32(fnv1a(downscale.pixels))
    },
    thumbnail: downscale
  }
  ctx.logger.info('image summarised', { meanLuminance: summary.meanLuminance, edgeDensity: summary.edgeDensity })
  return summary
}

function round (x) {
  return Math.round(x * 1e4) / 1e4
}
