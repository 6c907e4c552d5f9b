import fc from 'fast-check';
import type * as z from 'zod';

/**
 * fast-check arbitraries derived from the API's zod schemas: values that mostly pass validation (so that inputs reach
 * the use cases and adapters), mixed with hostile ones — sizes at and one past each limit, prototype-named keys,
 * broken percent-encodings, lone surrogates, control characters, other tenants' key fragments, wrong types.
 */

/** Strings that have broken parsers, key builders or maps before. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '%',
  '%zz',
  '%C0%AF',
  '%FF',
  '%00',
  '\u0000',
  '\u0007\u001f\u007f',
  '\ud800',
  '\udfff\ud800',
  '\u202egnp.exe',
  '😀'.repeat(3),
  '#',
  'T#other#AGENTS',
  'A#x',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "' OR '1'='1",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template placeholder as data is the point
  '${process.env}',
  '1e309',
  'NaN',
  '-0',
  'null',
  'true',
  '[]',
  '{}',
  '0000-01-01',
  '9999-12-31',
  '2026-02-30',
  '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z',
  'reason:',
  'reason:zzzzzzzzzzzzzzzzz',
  'x'.repeat(1025),
  'y'.repeat(70_000),
];

/** Any JSON value of a wrong kind: what a hostile client puts where a schema expects something else. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.constantFrom(...HOSTILE_STRINGS), { maxLength: 3 }),
  fc.constant(protoObject({ polluted: true })),
  fc.constant(deep(60)),
);

/** An object whose own keys include `__proto__` and friends (JSON.stringify keeps them: they are own properties). */
export function protoObject(value: unknown): Record<string, unknown> {
  const o: Record<string, unknown> = Object.create(null);
  for (const key of ['__proto__', 'constructor', 'toString']) o[key] = value;
  return o;
}

function deep(levels: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < levels; i++) v = { a: [v] };
  return v;
}

interface Check {
  readonly check?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly format?: string;
  readonly pattern?: RegExp;
  readonly value?: number;
}
type Def = {
  readonly type: string;
  readonly checks?: ReadonlyArray<{ _zod: { def: Check } }>;
  readonly [key: string]: unknown;
};
const defOf = (schema: unknown) => (schema as { _zod: { def: Def } })._zod.def;
const checksOf = (def: Def) => (def.checks ?? []).map((c) => c._zod.def);

/** fast-check cannot build every pattern (e.g. Unicode property classes): those fall back to plain strings. */
function matching(regex: RegExp): fc.Arbitrary<string> {
  try {
    return fc.stringMatching(regex);
  } catch {
    return fc.string({ maxLength: 40 });
  }
}

/** Strings the schema probably accepts, and ones exactly at and one past its length limits. */
function stringArbitrary(def: Def): fc.Arbitrary<string> {
  const checks = checksOf(def);
  const min = checks.find((c) => c.check === 'min_length')?.minimum ?? 0;
  const max = checks.find((c) => c.check === 'max_length')?.maximum;
  const regex = checks.find((c) => c.check === 'string_format' && c.format === 'regex')?.pattern;
  const format = (def.format as string | undefined) ?? checks.find((c) => c.format && c.format !== 'regex')?.format;
  const plausible =
    regex !== undefined
      ? matching(regex)
      : format === 'date'
        ? fc
            .date({ min: new Date(0), max: new Date(Date.UTC(2200, 0, 1)), noInvalidDate: true })
            .map((d) => d.toISOString().slice(0, 10))
        : format === 'datetime'
          ? fc
              .date({ min: new Date(0), max: new Date(Date.UTC(2200, 0, 1)), noInvalidDate: true })
              .map((d) => d.toISOString())
          : fc.string({ minLength: min, maxLength: Math.min(max ?? 40, 40) });
  const limits = max === undefined ? [] : [fc.constant('a'.repeat(max)), fc.constant('a'.repeat(max + 1))];
  return fc.oneof(
    { weight: 6, arbitrary: plausible },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
    ...limits.map((arbitrary) => ({ weight: 1, arbitrary })),
  );
}

/**
 * An arbitrary for the value of `schema`: plausible most of the time, hostile sometimes. `wrong` is the weight of a
 * wrong-typed value at each level (nested levels get it too, so a bad value may hide deep inside a good body).
 */
export function fromSchema(schema: unknown, wrong = 1): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  const plausible = plausibleFromDef(def, wrong);
  return wrong > 0
    ? fc.oneof({ weight: 8, arbitrary: plausible }, { weight: wrong, arbitrary: wrongValue })
    : plausible;
}

function plausibleFromDef(def: Def, wrong: number): fc.Arbitrary<unknown> {
  switch (def.type) {
    case 'string':
      return stringArbitrary(def);
    case 'number': {
      const checks = checksOf(def);
      const min = checks.find((c) => c.check === 'greater_than')?.value ?? -5;
      const max = checks.find((c) => c.check === 'less_than')?.value ?? 500;
      return fc.oneof(fc.integer({ min: Math.floor(min) - 1, max: Math.ceil(max) + 1 }), fc.constant(1e21));
    }
    case 'boolean':
      return fc.boolean();
    case 'literal':
      return fc.constantFrom(...(def.values as unknown[]));
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries as Record<string, unknown>));
    case 'optional':
      return fc.option(fromSchema(def.innerType, wrong), { nil: undefined });
    case 'default':
    case 'nullable':
    case 'readonly':
    case 'catch':
      return fc.option(fromSchema(def.innerType, wrong), { nil: undefined });
    case 'pipe':
      return plausibleFromDef(defOf(def.in), wrong);
    case 'union':
      return fc.oneof(...(def.options as unknown[]).map((o) => fromSchema(o, wrong)));
    case 'array': {
      const checks = checksOf(def);
      const max = checks.find((c) => c.check === 'max_length')?.maximum;
      const element = fromSchema(def.element, wrong);
      const sized =
        max === undefined
          ? []
          : [
              // At and one past the limit, with a cheap valid-looking element.
              fc.constant(max).chain((n) => fc.array(element, { minLength: 1, maxLength: 1 }).map((e) => pad(e, n))),
              fc
                .constant(max + 1)
                .chain((n) => fc.array(element, { minLength: 1, maxLength: 1 }).map((e) => pad(e, n))),
            ];
      return fc.oneof(
        { weight: 8, arbitrary: fc.array(element, { maxLength: 4 }) },
        ...sized.map((a) => ({ weight: 1, arbitrary: a })),
      );
    }
    case 'record':
      return fc.dictionary(
        fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString')),
        fromSchema(def.valueType, wrong),
        { maxKeys: 4 },
      );
    case 'object': {
      const shape = def.shape as Record<string, unknown>;
      const fields = Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, fromSchema(v, wrong)]));
      return fc
        .tuple(
          fc.record(fields, { requiredKeys: [] }),
          fc.oneof(
            { weight: 6, arbitrary: fc.constant(undefined) },
            { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra') },
          ),
        )
        .map(([value, extraKey]) => {
          if (extraKey === undefined) return value;
          const out: Record<string, unknown> = Object.create(null);
          Object.assign(out, value);
          out[extraKey] = { polluted: true };
          return out;
        });
    }
    default:
      return wrongValue;
  }
}

function pad(elements: unknown[], n: number): unknown[] {
  const first = elements[0];
  return Array.from({ length: n }, (_, i) => (typeof first === 'string' ? `${first.slice(0, 40)}${i}` : first));
}

/** The zod schema type, for callers that build catalogues of schemas. */
export type AnySchema = z.ZodType;
