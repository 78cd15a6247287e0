// web/test/digits.mjs - pen strokes for the ten digits, as a person draws
// them: each digit is a list of strokes, each stroke a list of points in a
// unit box (x right, y down), to be scaled onto the pad.
const arc = (cx, cy, rx, ry, from, to, n = 24) =>   // angles in turns, 0 = right, clockwise on screen
  Array.from({ length: n + 1 }, (_, k) => {
    const t = 2 * Math.PI * (from + (to - from) * k / n);
    return [cx + rx * Math.cos(t), cy + ry * Math.sin(t)];
  });

export const DIGITS = [
  /* 0 */ [arc(0.5, 0.5, 0.2, 0.32, -0.25, 0.77, 40)],
  /* 1 */ [[[0.42, 0.26], [0.54, 0.17], [0.53, 0.5], [0.52, 0.83]]],
  /* 2 */ [[...arc(0.5, 0.33, 0.18, 0.15, 0.55, 1.05, 16), [0.6, 0.52], [0.4, 0.68], [0.29, 0.8], [0.5, 0.79], [0.73, 0.8]]],
  /* 3 */ [[...arc(0.48, 0.33, 0.18, 0.15, 0.62, 1.22, 16), ...arc(0.48, 0.64, 0.2, 0.17, -0.22, 0.42, 18)]],
  /* 4 */ [[[0.38, 0.17], [0.32, 0.45], [0.3, 0.56], [0.5, 0.56], [0.74, 0.55]], [[0.62, 0.2], [0.62, 0.55], [0.61, 0.84]]],
  /* 5 */ [[[0.7, 0.18], [0.38, 0.18], [0.34, 0.46], ...arc(0.5, 0.62, 0.2, 0.17, -0.4, 0.3, 18)]],
  /* 6 */ [[[0.64, 0.16], [0.48, 0.3], [0.36, 0.48], ...arc(0.5, 0.65, 0.17, 0.17, 0.5, 1.5, 28)]],
  /* 7 */ [[[0.28, 0.2], [0.5, 0.2], [0.72, 0.19], [0.6, 0.42], [0.46, 0.84]]],
  /* 8 */ [Array.from({ length: 49 }, (_, k) => {   // a figure eight, begun at the top
    const t = 2 * Math.PI * k / 48;
    return [0.5 - 0.17 * Math.sin(2 * t), 0.5 - 0.33 * Math.cos(t)];
  })],
  /* 9 */ [[...arc(0.48, 0.34, 0.17, 0.16, 0.0, 1.0, 28), [0.65, 0.5], [0.62, 0.84]]],
];
