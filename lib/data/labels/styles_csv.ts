/**
 * The `styles.csv` parser for the Fashion Product Images catalogue (the
 * public stand-in for the fashion shop's data): one row per product, with
 * its gender, master category, sub-category and article type.
 *
 * The Kaggle file is not clean CSV: some `productDisplayName` values carry
 * unquoted commas. {@link parseStylesCsv} joins such surplus fields back into
 * the last column and lists the rows it repaired; rows it cannot use are
 * listed with a reason instead of failing the whole file.
 *
 * @example
 * ```ts
 * const table = await readStylesCsv("data/raw/fashion-product-images/styles.csv");
 * table.rows[0].articleType; // e.g. "Casual Shoes"
 * ```
 *
 * @module
 */

/** One row of `styles.csv`. */
export interface StyleRow {
  /** Product id; the image is `images/<id>.jpg`. */
  id: string;
  /** `Men`, `Women`, `Boys`, `Girls` or `Unisex`. */
  gender: string;
  /** e.g. `Footwear`. */
  masterCategory: string;
  /** e.g. `Shoes`. */
  subCategory: string;
  /** e.g. `Casual Shoes`. */
  articleType: string;
  /** All columns by header name (including the ones above). */
  fields: Record<string, string>;
  /** 1-based line number in the file. */
  line: number;
}

/** A row that could not be used, with the reason. */
export interface MalformedRow {
  /** 1-based line number. */
  line: number;
  /** What was wrong. */
  reason: string;
  /** The raw line (truncated to 200 characters). */
  text: string;
}

/** Result of {@link parseStylesCsv}. */
export interface StylesTable {
  /** Usable rows. */
  rows: StyleRow[];
  /** Rows skipped, each with a reason. */
  malformed: MalformedRow[];
  /** Rows with extra unquoted commas whose surplus fields were joined into the last column. */
  repaired: number[];
}

/** Columns the header must have; {@link parseStylesCsv} refuses a file without them. */
const REQUIRED_COLUMNS = [
  "id",
  "gender",
  "masterCategory",
  "subCategory",
  "articleType",
];

/** Splits one CSV line, honouring double quotes (`""` escapes a quote). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field.length === 0) quoted = true;
    else if (ch === ",") {
      out.push(field);
      field = "";
    } else field += ch;
  }
  out.push(field);
  return out;
}

/**
 * Parses `styles.csv` robustly: quoted fields are honoured; rows with more
 * fields than the header (unquoted commas in the last column, as in the
 * Kaggle file's `productDisplayName`) have the surplus joined back into the
 * last column and are listed in `repaired`; rows with too few fields, an
 * empty or non-numeric id, or a duplicate id are listed in `malformed`.
 *
 * @param source file name used in errors
 * @throws if the header lacks a required column.
 */
export function parseStylesCsv(
  text: string,
  source = "styles.csv",
): StylesTable {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? "").map((h) => h.trim());
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new Error(
      `${source}: header lacks column(s) ${missing.join(", ")} (found: ${
        header.join(", ")
      })`,
    );
  }
  const rows: StyleRow[] = [];
  const malformed: MalformedRow[] = [];
  const repaired: number[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === "") continue;
    const line = i + 1;
    let cells = splitCsvLine(raw);
    if (cells.length < header.length) {
      malformed.push({
        line,
        reason: `${cells.length} fields, header has ${header.length}`,
        text: raw.slice(0, 200),
      });
      continue;
    }
    if (cells.length > header.length) {
      cells = [
        ...cells.slice(0, header.length - 1),
        cells.slice(header.length - 1).join(","),
      ];
      repaired.push(line);
    }
    const fields: Record<string, string> = {};
    header.forEach((h, k) => fields[h] = cells[k].trim());
    if (!/^\d+$/.test(fields.id)) {
      malformed.push({
        line,
        reason: `id '${fields.id}' is not a number`,
        text: raw.slice(0, 200),
      });
      continue;
    }
    if (seen.has(fields.id)) {
      malformed.push({
        line,
        reason: `duplicate id ${fields.id}`,
        text: raw.slice(0, 200),
      });
      continue;
    }
    seen.add(fields.id);
    rows.push({
      id: fields.id,
      gender: fields.gender,
      masterCategory: fields.masterCategory,
      subCategory: fields.subCategory,
      articleType: fields.articleType,
      fields,
      line,
    });
  }
  return { rows, malformed, repaired };
}

/**
 * Reads and parses a dataset folder's `styles.csv` (`path` names the file
 * itself, e.g. `<dataset folder>/styles.csv`) with {@link parseStylesCsv}.
 *
 * @throws if the file cannot be read (saying how to get the data), or as
 * {@link parseStylesCsv} does.
 */
export async function readStylesCsv(path: string): Promise<StylesTable> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new Error(
      `Cannot read ${path}: ${
        (error as Error).message
      }. Run the data step (deno task data) or set FASHION_MIRROR`,
    );
  }
  return parseStylesCsv(text, path);
}
