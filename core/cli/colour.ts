// Colour for a person at a terminal, none for pipes and files. The decision is
// made once per stream: a TTY whose hasColors() agrees (it honours NO_COLOR,
// FORCE_COLOR and TERM=dumb). Styling is Node's own util.styleText, told not
// to second-guess the decision (views are built before they are written).

import { styleText } from 'node:util';

export type Style = Parameters<typeof styleText>[0];

/** Applies a style to a text, or not. */
export type Paint = (style: Style, text: string) => string;

export const withColour: Paint = (style, text) => styleText(style, text, { validateStream: false });

export const withoutColour: Paint = (_style, text) => text;

export function paintFor(stream: NodeJS.WriteStream): Paint {
  return stream.isTTY && stream.hasColors() ? withColour : withoutColour;
}
