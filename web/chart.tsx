// One figure of a plugin over the last 10 minutes, drawn by uPlot.

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartPoint } from '../core/contract/dashboard.js';

interface ChartProps {
  title: string;
  points: ChartPoint[];
  value: (point: ChartPoint) => number;
  unit: string;
}

const WIDTH = 380;
const HEIGHT = 160;

function data(points: ChartPoint[], value: (point: ChartPoint) => number): uPlot.AlignedData {
  return [points.map((point) => point.t / 1000), points.map(value)];
}

export function Chart({ title, points, value, unit }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot>();
  useEffect(() => {
    const stroke = getComputedStyle(document.documentElement).getPropertyValue('--accent').trim() || '#2a7ae2';
    const axis = getComputedStyle(document.documentElement).getPropertyValue('--fg').trim() || '#222';
    const axes = [{ stroke: axis }, { stroke: axis, size: 50 }];
    plot.current = new uPlot(
      {
        width: WIDTH,
        height: HEIGHT,
        legend: { show: false },
        cursor: { show: false },
        scales: { y: { range: (_u, min, max) => [0, Math.max(1, max, min)] } },
        axes,
        series: [{}, { label: `${title} (${unit})`, stroke, width: 1.5, points: { show: false } }],
      },
      data(points, value),
      box.current!,
    );
    return () => plot.current?.destroy();
  }, []);
  useEffect(() => plot.current?.setData(data(points, value)), [points]);
  const latest = points.at(-1);
  return (
    <figure class="chart">
      <figcaption>
        {title}: <strong>{latest ? `${Number(value(latest).toFixed(2))} ${unit}` : '-'}</strong>
      </figcaption>
      <div ref={box} role="img" aria-label={`${title} over the last 10 minutes`} />
    </figure>
  );
}
