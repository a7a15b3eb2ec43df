// XML-RPC (and multicall) params are positional; one struct among them is
// taken as JSON-RPC by-name params.

export function positionalToParams(values: unknown[]): unknown {
  if (values.length === 0) return undefined;
  const [first] = values;
  if (values.length === 1 && first !== null && typeof first === 'object' && !Array.isArray(first)) return first;
  return values;
}
