// A row's calls/s over the last minute, as a small line (one scale for every
// row, so rows compare, as in `plugd top`).

export function Sparkline({ values, scale }: { values: number[]; scale: number }) {
  const seconds = 60;
  const step = 1.5;
  const width = seconds * step;
  const height = 16;
  const top = Math.max(1, scale);
  const points = values.slice(-seconds).map((value, index, shown) => {
    const x = width - (shown.length - 1 - index) * step;
    return `${x},${(height - 1 - (value / top) * (height - 2)).toFixed(1)}`;
  });
  return (
    <svg class="spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true">
      {points.length > 1 && <polyline points={points.join(' ')} />}
    </svg>
  );
}
