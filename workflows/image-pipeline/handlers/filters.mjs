/**
 * The per-pixel filters of the image pipeline, one named export per task. Each reads its
 * dependency's output from `ctx.deps` and returns fresh typed arrays, which the engine
 * transfers between threads without copying.
 */

/**
 * Luma from RGBA with the BT.601 weights in 8.8 fixed point (77 + 150 + 29 = 256).
 * @returns {{ width: number, height: number, luma: Uint8Array }}
 */
export function grayscale (input, ctx) {
  const { width, height, pixels } = ctx.deps.generate
  const luma = new Uint8Array(width * height)
  for (let p = 0, i = 0; p < luma.length; p++, i += 4) {
    luma[p] = (77 * pixels[i] + 150 * pixels[i + 1] + 29 * pixels[i + 2]) >> 8
  }
  return { width, height, luma }
}

/** Normalised binomial weights of 2r + 1 taps: a close, integer-friendly Gaussian. */
function binomialKernel (radius) {
  const weights = new Float32Array(2 * radius + 1)
  weights[0] = 1
  for (let k = 1; k < weights.length; k++) weights[k] = (weights[k - 1] * (weights.length - k)) / k
  const total = 2 ** (2 * radius)
  return weights.map((w) => w / total)
}

/**
 * Gaussian blur of radius `params.radius` (default 2, a 5x5 kernel), as two separable
 * passes; edges are clamped. Alpha is copied through.
 * @returns {{ width: number, height: number, pixels: Uint8ClampedArray }}
 */
export function blur (input, ctx) {
  const { width, height, pixels } = ctx.deps.generate
  const radius = ctx.params?.radius ?? 2
  const kernel = binomialKernel(radius)
  const rows = new Float32Array(pixels.length)
  const out = new Uint8ClampedArray(pixels.length)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4
      for (let c = 0; c < 3; c++) {
        let sum = 0
        for (let k = -radius; k <= radius; k++) {
          const xx = Math.min(width - 1, Math.max(0, x + k))
          sum += pixels[(y * width + xx) * 4 + c] * kernel[k + radius]
        }
        rows[i + c] = sum
      }
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4
      for (let c = 0; c < 3; c++) {
        let sum = 0
        for (let k = -radius; k <= radius; k++) {
          const yy = Math.min(height - 1, Math.max(0, y + k))
          sum += rows[(yy * width + x) * 4 + c] * kernel[k + radius]
        }
        out[i + c] = sum
      }
      out[i + 3] = pixels[i + 3]
    }
  }
  return { width, height, pixels: out }
}

/**
 * 3x3 median filter on each colour channel, the classic remover of grain that keeps
 * edges sharp; the border is clamped. Also estimates the grain it removed, as the mean
 * absolute change per channel.
 * @returns {{ width: number, height: number, pixels: Uint8ClampedArray, noiseLevel: number }}
 */
export function denoise (input, ctx) {
  const { width, height, pixels } = ctx.deps.generate
  const out = new Uint8ClampedArray(pixels.length)
  const window = new Uint8Array(9)
  let change = 0
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4
      for (let c = 0; c < 3; c++) {
        // Insertion sort of the nine neighbours: at most 36 moves, no allocation.
        let n = 0
        for (let dy = -1; dy <= 1; dy++) {
          const yy = Math.min(height - 1, Math.max(0, y + dy))
          for (let dx = -1; dx <= 1; dx++) {
            const xx = Math.min(width - 1, Math.max(0, x + dx))
            const v = pixels[(yy * width + xx) * 4 + c]
            let k = n++
            while (k > 0 && window[k - 1] > v) window[k] = window[--k]
            window[k] = v
          }
        }
        out[i + c] = window[4]
        change += Math.abs(window[4] - pixels[i + c])
      }
      out[i + 3] = pixels[i + 3]
    }
  }
  return { width, height, pixels: out, noiseLevel: change / (width * height * 3) }
}

/**
 * Sobel gradient magnitude of the luma, clamped to 255; the one-pixel border is left 0.
 * `density` is the share of pixels at or above `params.threshold` (default 96).
 * @returns {{ width: number, height: number, magnitude: Uint8Array, density: number }}
 */
export function edges (input, ctx) {
  const { width, height, luma } = ctx.deps.grayscale
  const threshold = ctx.params?.threshold ?? 96
  const magnitude = new Uint8Array(width * height)
  let strong = 0
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const p = y * width + x
      const nw = luma[p - width - 1]; const n = luma[p - width]; const ne = luma[p - width + 1]
      const w = luma[p - 1]; const e = luma[p + 1]
      const sw = luma[p + width - 1]; const s = luma[p + width]; const se = luma[p + width + 1]
      const gx = ne + 2 * e + se - nw - 2 * w - sw
      const gy = sw + 2 * s + se - nw - 2 * n - ne
      const m = Math.min(255, Math.sqrt(gx * gx + gy * gy))
      magnitude[p] = m
      if (m >= threshold) strong++
    }
  }
  return { width, height, magnitude, density: strong / magnitude.length }
}

/**
 * Histogram equalisation of the luma: each level maps through the cumulative histogram,
 * stretched so the darkest level present becomes 0 and the brightest 255.
 * @returns {{ width: number, height: number, pixels: Uint8Array, histogram: Uint32Array }}
 */
export function equalize (input, ctx) {
  const { width, height, luma } = ctx.deps.grayscale
  const histogram = new Uint32Array(256)
  for (let p = 0; p < luma.length; p++) histogram[luma[p]]++
  const cdf = new Uint32Array(256)
  let running = 0
  for (let v = 0; v < 256; v++) cdf[v] = running += histogram[v]
  const cdfMin = cdf.find((c) => c > 0)
  const span = Math.max(1, luma.length - cdfMin)
  const lut = new Uint8Array(256)
  for (let v = 0; v < 256; v++) lut[v] = Math.round((Math.max(0, cdf[v] - cdfMin) * 255) / span)
  const pixels = new Uint8Array(luma.length)
  for (let p = 0; p < luma.length; p++) pixels[p] = lut[luma[p]]
  return { width, height, pixels, histogram }
}

/**
 * Box-average downscale of the blurred image to at most `params.size` pixels a side
 * (default 64): each thumbnail pixel is the mean of one square tile of the source.
 * @returns {{ width: number, height: number, pixels: Uint8ClampedArray }}
 */
export function downscale (input, ctx) {
  const { width, height, pixels } = ctx.deps.blur
  const size = ctx.params?.size ?? 64
  const tile = Math.max(1, Math.ceil(Math.max(width, height) / size))
  const tw = Math.ceil(width / tile)
  const th = Math.ceil(height / tile)
  const out = new Uint8ClampedArray(tw * th * 4)
  for (let ty = 0; ty < th; ty++) {
    for (let tx = 0; tx < tw; tx++) {
      const sums = [0, 0, 0, 0]
      const yEnd = Math.min(height, (ty + 1) * tile)
      const xEnd = Math.min(width, (tx + 1) * tile)
      for (let y = ty * tile; y < yEnd; y++) {
        for (let x = tx * tile; x < xEnd; x++) {
          const i = (y * width + x) * 4
          for (let c = 0; c < 4; c++) sums[c] += pixels[i + c]
        }
      }
      const count = (yEnd - ty * tile) * (xEnd - tx * tile)
      const o = (ty * tw + tx) * 4
      for (let c = 0; c < 4; c++) out[o + c] = sums[c] / count
    }
  }
  return { width: tw, height: th, pixels: out }
}
