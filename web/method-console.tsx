// A form for one method, made from its params JSON Schema: one labelled,
// typed input per member of an object schema (a JSON field for members the
// form cannot type), or one JSON field for params of any other shape.

import { useState } from 'preact/hooks';
import { call, describeError } from './rpc.js';

interface Schema {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
}

export interface Signature {
  name: string;
  description: string;
  params: Schema;
}

type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'json';

function kindOf(schema: Schema): Kind {
  if (schema.enum) return 'enum';
  const type = schema.type;
  return type === 'string' || type === 'number' || type === 'integer' || type === 'boolean' ? type : 'json';
}

/** A member's input text as the value to send; undefined leaves the member out. */
function parseValue(kind: Kind, schema: Schema, text: string): unknown {
  if (kind === 'boolean') return text === 'true';
  if (text === '') return undefined;
  if (kind === 'number' || kind === 'integer') return Number(text);
  if (kind === 'enum') return schema.enum![Number(text)];
  if (kind === 'json') return JSON.parse(text);
  return text;
}

export function MethodConsole({ signature }: { signature: Signature }) {
  const members = Object.entries(signature.params.properties ?? {});
  const raw = signature.params.type !== 'object' || !signature.params.properties;
  const [inputs, setInputs] = useState<Record<string, string>>({});
  const [answer, setAnswer] = useState<{ ok: boolean; text: string }>();
  const id = (member: string) => `${signature.name}--${member}`;
  const set = (member: string, value: string) => setInputs({ ...inputs, [member]: value });

  /** Never rejects: a failure is the answer shown. */
  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    try {
      let params: unknown;
      if (raw) {
        params = inputs[''] ? JSON.parse(inputs['']) : undefined;
      } else {
        const entries = members.map(([member, schema]) => [
          member,
          parseValue(kindOf(schema), schema, inputs[member] ?? ''),
        ]);
        params = Object.fromEntries(entries.filter(([, value]) => value !== undefined));
      }
      setAnswer({ ok: true, text: JSON.stringify(await call(signature.name, params), null, 2) });
    } catch (error) {
      setAnswer({
        ok: false,
        text: error instanceof SyntaxError ? `not JSON: ${error.message}` : describeError(error),
      });
    }
  }

  return (
    <section class="method" aria-labelledby={id('heading')}>
      <h3 id={id('heading')}>{signature.name}</h3>
      {signature.description && <p>{signature.description}</p>}
      <form onSubmit={(event) => void submit(event)}>
        {raw && (
          <div class="field">
            <label for={id('')}>params (JSON)</label>
            <textarea
              id={id('')}
              rows={2}
              value={inputs[''] ?? ''}
              onInput={(e) => set('', e.currentTarget.value)}
              placeholder="{}"
            />
          </div>
        )}
        {!raw &&
          members.map(([member, schema]) => (
            <div class="field">
              <label for={id(member)}>
                {member}
                {signature.params.required?.includes(member) ? ' *' : ''}
              </label>
              <Input
                id={id(member)}
                kind={kindOf(schema)}
                schema={schema}
                value={inputs[member] ?? ''}
                set={(value) => set(member, value)}
              />
              {schema.description && <small>{schema.description}</small>}
            </div>
          ))}
        <button type="submit" aria-label="Call">
          Call
        </button>
      </form>
      {answer && (
        <pre class={answer.ok ? 'answer' : 'answer bad'} role="status">
          {answer.text}
        </pre>
      )}
    </section>
  );
}

interface InputProps {
  id: string;
  kind: Kind;
  schema: Schema;
  value: string;
  set: (value: string) => void;
}

function Input({ id, kind, schema, value, set }: InputProps) {
  if (kind === 'boolean')
    return (
      <input
        id={id}
        type="checkbox"
        checked={value === 'true'}
        onChange={(e) => set(String(e.currentTarget.checked))}
      />
    );
  if (kind === 'enum') {
    return (
      <select id={id} value={value} onChange={(e) => set(e.currentTarget.value)}>
        <option value="">(none)</option>
        {schema.enum!.map((choice, index) => (
          <option value={String(index)}>{JSON.stringify(choice)}</option>
        ))}
      </select>
    );
  }
  if (kind === 'json')
    return <textarea id={id} rows={2} value={value} placeholder="JSON" onInput={(e) => set(e.currentTarget.value)} />;
  const type = kind === 'string' ? 'text' : 'number';
  return (
    <input
      id={id}
      type={type}
      step={kind === 'integer' ? 1 : 'any'}
      value={value}
      onInput={(e) => set(e.currentTarget.value)}
    />
  );
}
