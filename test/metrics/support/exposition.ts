/**
 * A reader of the Prometheus text exposition format (version 0.0.4), as strict as
 * Prometheus's own: it throws, naming the line, at the first departure from the format, and
 * checks what a scraper relies on besides the grammar (each family in one block, metadata
 * before samples, no duplicate series, histograms cumulative and consistent). npm has no
 * maintained exposition parser: parse-prometheus-text-format, the one there is, accepts
 * malformed values and drops the labels, sum and count of labelled histograms.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The series name: the family's, or with a histogram's or summary's suffix. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

export type Exposition = Map<string, Family>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE_HEAD = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{)?/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,?)/;
/** Go's ParseFloat, as Prometheus reads a sample value. */
const FLOAT = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;
const TIMESTAMP = /^-?\d+$/;
const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Partial<Record<MetricType, string[]>> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

export function parseExposition(text: string): Exposition {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families: Exposition = new Map();
  const closed = new Set<string>();
  const series = new Set<string>();
  const typed = new Set<string>();
  let current: Family | undefined;

  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, index) => {
      const fail = (problem: string): never => {
        throw new Error(`line ${index + 1}: ${problem}: ${JSON.stringify(line)}`);
      };
      const enter = (name: string): Family => {
        if (current?.name === name) return current;
        if (current !== undefined) closed.add(current.name);
        if (closed.has(name)) fail(`family ${name} continues after another one began`);
        current = families.get(name) ?? { name, type: 'untyped', samples: [] };
        families.set(name, current);
        return current;
      };
      if (line === '') return;
      const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (meta !== null) {
        const [, keyword, name, rest = ''] = meta;
        if (!METRIC_NAME.test(name)) fail('invalid metric name');
        const family = enter(name);
        if (family.samples.length > 0) fail(`${keyword} after samples`);
        if (keyword === 'HELP') {
          if (family.help !== undefined) fail('second HELP');
          if (/\\(?![\\n])/.test(rest)) fail('invalid escape in HELP');
          family.help = rest;
        } else {
          if (typed.has(name)) fail('second TYPE');
          if (!TYPES.has(rest)) fail('unknown TYPE');
          family.type = rest as MetricType;
          typed.add(name);
        }
        return;
      }
      if (line.startsWith('#')) return;
      const sample = parseSample(line, fail);
      const family = current !== undefined && belongsTo(current, sample.name) ? current : enter(sample.name);
      const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
      if (series.has(key)) fail('duplicate series');
      series.add(key);
      family.samples.push(sample);
    });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

/** A histogram's or summary's samples carry its name with a suffix; every other family's, its name. */
function belongsTo(family: Family, name: string): boolean {
  return name === family.name || (SUFFIXES[family.type] ?? []).some((suffix) => name === `${family.name}${suffix}`);
}

function parseSample(line: string, fail: (problem: string) => never): Sample {
  const head = SAMPLE_HEAD.exec(line) ?? fail('invalid metric name');
  let position = head[0].length;
  const labels: Record<string, string> = {};
  if (head[2] !== undefined) {
    while (line[position] !== '}') {
      const label = LABEL.exec(line.slice(position)) ?? fail('invalid label');
      const [whole, name, value, comma] = label;
      if (name.startsWith('__')) fail(`reserved label name ${name}`);
      if (name in labels) fail(`label ${name} twice`);
      labels[name] = value.replace(/\\(.)/g, (_escape, character: string) => (character === 'n' ? '\n' : character));
      position += whole.length;
      if (comma === '' && line[position] !== '}') fail('labels not separated by commas');
    }
    position += 1;
  }
  const fields = /^ (\S+)(?: (\S+))?$/.exec(line.slice(position)) ?? fail('expected " value [timestamp]" after the name and labels');
  if (!FLOAT.test(fields[1])) fail(`invalid value ${fields[1]}`);
  if (fields[2] !== undefined && !TIMESTAMP.test(fields[2])) fail(`invalid timestamp ${fields[2]}`);
  return { name: head[1], labels, value: parseFloat(fields[1].replace('Inf', 'Infinity')) };
}

/** Per series: buckets with increasing bounds up to +Inf, cumulative counts, `_count` equal to the +Inf bucket, a `_sum`. */
function checkHistogram(family: Family): void {
  const seriesOf = (labels: Record<string, string>) => {
    const { le: _bound, ...rest } = labels;
    return JSON.stringify(Object.entries(rest).sort());
  };
  const grouped = new Map<string, { buckets: Array<[number, number]>; count?: number; sum?: number }>();
  for (const sample of family.samples) {
    const entry = grouped.get(seriesOf(sample.labels)) ?? { buckets: [] };
    grouped.set(seriesOf(sample.labels), entry);
    if (sample.name === `${family.name}_bucket`) {
      if (sample.labels.le === undefined) throw new Error(`${family.name}_bucket without le`);
      entry.buckets.push([parseFloat(sample.labels.le.replace('Inf', 'Infinity')), sample.value]);
    } else if (sample.name === `${family.name}_count`) entry.count = sample.value;
    else if (sample.name === `${family.name}_sum`) entry.sum = sample.value;
    else throw new Error(`${sample.name} in histogram ${family.name}`);
  }
  for (const [labels, { buckets, count, sum }] of grouped) {
    const where = `${family.name}${labels}`;
    if (buckets.at(-1)?.[0] !== Infinity) throw new Error(`${where}: the last bucket is not +Inf`);
    for (let i = 1; i < buckets.length; i++) {
      if (buckets[i][0] <= buckets[i - 1][0]) throw new Error(`${where}: bucket bounds not increasing`);
      if (buckets[i][1] < buckets[i - 1][1]) throw new Error(`${where}: bucket counts not cumulative`);
    }
    if (count !== buckets.at(-1)![1]) throw new Error(`${where}: _count differs from the +Inf bucket`);
    if (sum === undefined) throw new Error(`${where}: no _sum`);
  }
}

/** The value of the series `name` whose labels include `labels`; throws when there is none. */
export function valueOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  for (const family of exposition.values()) {
    for (const sample of family.samples) {
      if (sample.name === name && Object.entries(labels).every(([label, value]) => sample.labels[label] === value)) return sample.value;
    }
  }
  throw new Error(`no series ${name}${JSON.stringify(labels)}`);
}

/** Every sample of every family, flattened. */
export function samplesOf(exposition: Exposition): Sample[] {
  return [...exposition.values()].flatMap((family) => family.samples);
}
