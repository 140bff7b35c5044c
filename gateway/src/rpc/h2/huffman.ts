/**
 * HPACK's static Huffman code (RFC 7541 Appendix B). The code is canonical, so the table is
 * stored as the bit length of each symbol's code (symbols 0-255, then EOS as 256) and the codes
 * are rebuilt from the lengths: within one length, codes count up in symbol order.
 */
import { compressionError } from "./h2-error.js";

// Bit length of the code for symbols 0..255 and EOS (256), transcribed from RFC 7541 Appendix B.
const CODE_BITS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28,
  28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6,
  5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23,
  22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22, 21, 20, 22, 22,
  23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, 26, 26,
  20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27,
  27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27,
  27, 27, 27, 26, 30,
];

const EOS = 256;
const MAX_BITS = 30;

/** The code (right-aligned in `codes[s]`) and its bit length (`bits[s]`) for each symbol, EOS last. */
export const HUFFMAN_CODE: { readonly codes: Uint32Array; readonly bits: Uint8Array } = (() => {
  const bits = Uint8Array.from(CODE_BITS);
  const codes = new Uint32Array(bits.length);
  const order = [...bits.keys()].sort((a, b) => bits[a]! - bits[b]! || a - b);
  let code = 0;
  let previous = bits[order[0]!]!;
  for (const [i, symbol] of order.entries()) {
    if (i > 0) code = (code + 1) * 2 ** (bits[symbol]! - previous);
    previous = bits[symbol]!;
    codes[symbol] = code;
  }
  return { codes, bits };
})();

// Canonical decoding tables: for each length, the first code, how many codes, and where their
// symbols start in `SYMBOLS` (symbols sorted by code length, then value).
const FIRST_CODE = new Float64Array(MAX_BITS + 1);
const COUNT = new Uint16Array(MAX_BITS + 1);
const OFFSET = new Uint16Array(MAX_BITS + 1);
const SYMBOLS = new Uint16Array(CODE_BITS.length);
{
  const order = [...CODE_BITS.keys()].sort((a, b) => CODE_BITS[a]! - CODE_BITS[b]! || a - b);
  order.forEach((symbol, i) => {
    const length = CODE_BITS[symbol]!;
    SYMBOLS[i] = symbol;
    if (COUNT[length] === 0) {
      FIRST_CODE[length] = HUFFMAN_CODE.codes[symbol]!;
      OFFSET[length] = i;
    }
    COUNT[length] = COUNT[length]! + 1;
  });
}

/**
 * Decodes `input[start, end)` as a Huffman-coded HPACK string into latin1 text (one char per
 * octet). Throws H2ConnectionError (COMPRESSION_ERROR) for EOS in the data, padding longer than
 * 7 bits, or padding that is not the most significant bits of EOS (all ones).
 */
export function huffmanDecode(input: Uint8Array, start: number, end: number): string {
  const out = Buffer.allocUnsafe(Math.ceil(((end - start) * 8) / 5));
  let written = 0;
  let code = 0; // bits read since the last symbol
  let length = 0;
  for (let i = start; i < end; i++) {
    const byte = input[i]!;
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      length++;
      const index = code - FIRST_CODE[length]!;
      if (COUNT[length]! > 0 && index >= 0 && index < COUNT[length]!) {
        const symbol = SYMBOLS[OFFSET[length]! + index]!;
        if (symbol === EOS) throw compressionError("Huffman string contains EOS");
        out[written++] = symbol;
        code = 0;
        length = 0;
      } else if (length >= MAX_BITS) {
        throw compressionError("invalid Huffman code");
      }
    }
  }
  if (length > 7) throw compressionError("Huffman padding longer than 7 bits");
  if (code !== 2 ** length - 1) throw compressionError("Huffman padding is not all ones");
  return out.toString("latin1", 0, written);
}
