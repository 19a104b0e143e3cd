// A table that may be wider (or taller) than its box scrolls inside it. The box takes the keyboard focus,
// so it can be scrolled without a mouse, and names what it holds for screen readers.
import type { ComponentChildren } from 'preact';

export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}

/** A table of rows under fixed column headers, in a scrolling box named by `label`. */
export function HeadedTable({ label, headers, children }: { label: string; headers: readonly string[]; children: ComponentChildren }) {
  return (
    <TableScroll label={label}>
      <table>
        <thead>
          <tr>
            {headers.map((h) => (
              <th scope="col" key={h}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </TableScroll>
  );
}
