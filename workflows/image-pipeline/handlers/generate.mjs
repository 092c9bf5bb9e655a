import { mulberry32 } from '../../shared/prng.mjs'
import { readInt } from '../../shared/input.mjs'

/**
 * Value noise: random values on a lattice of `cell`-pixel squares, interpolated with a
 * smoothstep, so neighbouring pixels vary gently, like texture rather than grain.
 * Adds `amplitude * (value - 0.5)` to every colour channel.
 */
function addValueNoise (pixels, width, height, cell, amplitude, rand) {
  const cols = Math.ceil(width / cell) + 1
  const rows = Math.ceil(height / cell) + 1
  const lattice = new Float32Array(cols * rows).map(() => rand())
  for (let y = 0; y < height; y++) {
    const gy = Math.floor(y / cell)
    let ty = y / cell - gy
    ty = ty * ty * (3 - 2 * ty)
    for (let x = 0; x < width; x++) {
      const gx = Math.floor(x / cell)
      let tx = x / cell - gx
      tx = tx * tx * (3 - 2 * tx)
      const i = gy * cols + gx
      const top = lattice[i] + (lattice[i + 1] - lattice[i]) * tx
      const bottom = lattice[i + cols] + (lattice[i + cols + 1] - lattice[i + cols]) * tx
      const delta = amplitude * (top + (bottom - top) * ty - 0.5)
      const p = (y * width + x) * 4
      pixels[p] += delta
      pixels[p + 1] += delta
      pixels[p + 2] += delta
    }
  }
}

/**
 * Paints a synthetic RGBA image: a diagonal colour gradient, four octaves of value noise
 * for texture, `params.shapes` flat-coloured discs and rectangles (so the edge detector
 * has edges to find) and per-channel grain of amplitude `params.noise` (so the blur and
 * the median filter have something to remove).
 *
 * Input: `{ width = 512, height = 512, seed = 1 }`.
 * @returns {{ width: number, height: number, pixels: Uint8ClampedArray }}
 */
export default function generate (input, ctx) {
  const width = readInt(input, 'width', { default: 512, min: 1, max: 8192 })
  const height = readInt(input, 'height', { default: 512, min: 1, max: 8192 })
  const seed = readInt(input, 'seed', { default: 1, min: 0, max: 2 ** 32 - 1 })
  const { shapes = 24, noise = 20 } = ctx.params ?? {}
  const rand = mulberry32(seed)
  const pixels = new Uint8ClampedArray(width * height * 4)

  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4
      pixels[i] = (255 * x) / width
      pixels[i + 1] = (255 * y) / height
      pixels[i + 2] = (255 * (width - x + y)) / (width + height)
      pixels[i + 3] = 255
    }
  }

  for (const [cell, amplitude] of [[64, 48], [32, 24], [16, 12], [8, 6]]) {
    addValueNoise(pixels, width, height, cell, amplitude, rand)
  }

  for (let s = 0; s < shapes; s++) {
    const cx = rand() * width
    const cy = rand() * height
    const r = (0.03 + rand() * 0.12) * Math.min(width, height)
    const colour = [rand() * 256, rand() * 256, rand() * 256]
    const disc = rand() < 0.5
    // Only the bounding box is visited, so the cost grows with the area painted.
    const x0 = Math.max(0, Math.floor(cx - r))
    const x1 = Math.min(width - 1, Math.ceil(cx + r))
    const y0 = Math.max(0, Math.floor(cy - r))
    const y1 = Math.min(height - 1, Math.ceil(cy + r))
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        if (disc && (x - cx) ** 2 + (y - cy) ** 2 > r * r) continue
        const i = (y * width + x) * 4
        pixels[i] = colour[0]
        pixels[i + 1] = colour[1]
        pixels[i + 2] = colour[2]
      }
    }
  }

  for (let i = 0; i < pixels.length; i += 4) {
    pixels[i] += (rand() - 0.5) * 2 * noise
    pixels[i + 1] += (rand() - 0.5) * 2 * noise
    pixels[i + 2] += (rand() - 0.5) * 2 * noise
  }

  ctx.logger.info('image generated', { width, height, seed, shapes })
  return { width, height, pixels }
}
