// Which rows of a long table are worth putting in the DOM: those in view plus a margin on each side.
// Every row has the same height (the stylesheet fixes it), so the rest is arithmetic; spacers above and
// below stand in for the rows left out, so the scrollbar behaves as if all were there.

export interface VirtualWindow {
  /** First row rendered (inclusive). */
  start: number;
  /** Row after the last one rendered (exclusive). */
  end: number;
  /** Heights in pixels of the spacers standing in for rows [0, start) and [end, total). */
  before: number;
  after: number;
}

export function virtualWindow(total: number, rowHeight: number, scrollTop: number, viewportHeight: number, overscan: number): VirtualWindow {
  if (total === 0 || rowHeight <= 0) return { start: 0, end: total, before: 0, after: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.min(Math.max(0, first - overscan), total);
  const end = Math.min(total, first + visible + overscan);
  return { start: Math.min(start, end), end, before: Math.min(start, end) * rowHeight, after: (total - end) * rowHeight };
}
