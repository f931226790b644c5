"""qbank CSV: one question per spreadsheet row, for authors who write in Excel or Sheets.

The header row names the columns (see ``COLUMNS``); text cells are Markdown. Locations
are spreadsheet rows, counting the header as row 1, so a message points at the row a
person sees in Excel even when cells above it hold several lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator

from qbank.domain.spreadsheets import guard_cell, unguard_cell
from qbank.importers.drafts import (
    MAX_OPTIONS,
    OPTION_KEYS,
    OptionDraft,
    ParseResult,
    QuestionDraft,
    check_draft,
)
from qbank.models import QuestionKind

FORMAT = "csv"
LABEL = "qbank CSV (spreadsheet)"

OPTION_COLUMNS = [f"option_{key.lower()}" for key in OPTION_KEYS]
RATIONALE_COLUMNS = [f"rationale_{key.lower()}" for key in OPTION_KEYS]
COLUMNS = [
    "kind",
    "stem",
    *OPTION_COLUMNS,
    "answer",
    "explanation",
    *RATIONALE_COLUMNS,
    "tags",
    "reference",
    "external_id",
]
COLUMN_SUMMARY = (
    "kind, stem, option_a … option_j, answer, explanation, rationale_a … rationale_j, "
    "tags, reference, external_id"
)
KINDS = {kind.value: kind for kind in QuestionKind}
MAX_CELL_CHARS = 100_000
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
TAG_SEPARATORS = re.compile(r"[;|]")
ANSWER_SEPARATORS = re.compile(r"[\s,;|/]+")

_HEADER_SCAN_CHARS = 65_536
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # .xlsx (zip) and old .xls
# check_draft speaks to every format; in a spreadsheet, say which column to fix.
_NO_CORRECT = (
    "no option is marked correct. Put the letter of the right option in the answer column."
)
_SPREADSHEET_WORDING = {
    "no option is marked correct. Mark one as correct.": _NO_CORRECT,
    "a flashcard has no options. Remove them.": "a flashcard has no options. Empty its option "
    "columns, or set its kind to single.",
    "the back of the flashcard is empty. Write it.": "the back of the flashcard is empty. "
    "Write it in the explanation column.",
}


def sniff(data: bytes, filename: str) -> bool:
    """Tell whether this looks like a qbank CSV: by its name, or by a header naming stem."""
    if filename.lower().endswith((".csv", ".tsv")):
        return True
    text = data[:4096].decode("utf-8-sig", errors="replace").lstrip("\r\n")
    line = text.splitlines()[0] if text else ""
    cells = next(csv.reader([line], delimiter=_delimiter(line)), [])
    return "stem" in {_column_name(cell) for cell in cells}


def parse(data: bytes, source: str = "file") -> ParseResult:
    """Turn a qbank CSV into drafts and problems located by spreadsheet row."""
    result = ParseResult()
    if data.startswith(_WORKBOOK_MAGIC):
        result.error(
            source,
            "this is an Excel workbook, not a CSV file. Save the file as 'CSV UTF-8' and "
            "upload it again.",
        )
        return result
    text, bad_byte = _decode(data)
    delimiter = _delimiter(text)
    if bad_byte is not None:
        result.error(
            f"row {_rows_in(text, delimiter)}",
            f"byte {bad_byte} of the file is not UTF-8 text. Save the file as 'CSV UTF-8' "
            "and upload it again.",
        )
        return result

    rows = (row for row in _records(text, delimiter, result) if not _is_blank(row[1]))
    header = next(rows, None)
    if header is None:
        if result.ok:
            result.error(
                source,
                "the file is empty. Download the template, write one question per row and "
                "upload it again.",
            )
        return result
    header_number, header_cells = header
    positions = _read_header(header_cells, f"row {header_number}", result)
    if positions is None:
        return result
    width = len(_without_trailing_blanks(header_cells))

    seen_ids: dict[str, int] = {}
    for number, cells in rows:
        draft = _row_draft(number, cells, positions, width, delimiter, result)
        if draft is None:
            continue
        if draft.external_id:
            if draft.external_id in seen_ids:
                result.error(
                    f"row {number}, external_id",
                    f"external id {_shown(draft.external_id)} is also used by row "
                    f"{seen_ids[draft.external_id]}. Make each id unique.",
                )
            else:
                seen_ids[draft.external_id] = number
        result.drafts.append(draft)

    if not result.drafts and result.ok:
        result.error(
            source,
            "there are no questions under the header. Write one question per row and "
            "upload it again.",
        )
    return result


def write(drafts: list[QuestionDraft]) -> bytes:
    """Write drafts as a qbank CSV: UTF-8 with a BOM so that Excel reads it right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for draft in drafts:
        cells = _cells(draft)
        writer.writerow(guard_cell(cells.get(column, "")) for column in COLUMNS)
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def template() -> bytes:
    """Return the downloadable template: the header and three worked examples."""
    return write(TEMPLATE_DRAFTS)


# --- reading ---------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, int | None]:
    """Return the text, and the offset of the first byte that is not UTF-8 (if any).

    On bad bytes the text is only what comes before them, to find the row they are in.
    """
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return body[: exc.start].decode("utf-8"), exc.start + len(data) - len(body)


def _delimiter(text: str) -> str:
    """Pick the delimiter the header line uses most, not counting any inside quotes."""
    counts = dict.fromkeys(DELIMITER_NAMES, 0)
    quoted = False
    for char in text.lstrip("\r\n")[:_HEADER_SCAN_CHARS]:
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in "\r\n":
            break
        elif char in counts:
            counts[char] += 1
    return max(counts, key=counts.__getitem__)  # a tie, or none at all, means a comma


def _rows_in(text: str, delimiter: str) -> int:
    """Count the spreadsheet rows that ``text`` reaches into, the last one unfinished."""
    # The extra character makes an unfinished last row (or an empty text) count as one.
    return sum(1 for _ in csv.reader(io.StringIO(text + "x", newline=""), delimiter=delimiter))


def _records(text: str, delimiter: str, result: ParseResult) -> Iterator[tuple[int, list[str]]]:
    """Yield (spreadsheet row number, cells); stop at the first row the csv module rejects."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            result.error(f"row {number}", _unreadable_row_message(str(exc)))
            return
        yield number, cells


def _unreadable_row_message(reason: str) -> str:
    if "field larger than field limit" in reason:
        return (
            f"a cell is longer than {MAX_CELL_CHARS:,} characters, so the rest of the file "
            "was not read. Shorten the cell and upload the file again."
        )
    if "unexpected end of data" in reason:
        return (
            'a cell opens with a quote (") that is never closed, so the rest of the file '
            'was not read. Close the quote, or write it twice ("") if it is part of the text.'
        )
    if "expected after" in reason:
        return (
            "a quoted cell has text after its closing quote. Put the whole cell in quotes "
            'and write any quote inside it twice ("").'
        )
    return f"this row cannot be read ({reason}). Save the file as 'CSV UTF-8' and upload it again."


def _is_blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def _without_trailing_blanks(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def _column_name(cell: str) -> str:
    return re.sub(r"\s+", "_", cell.strip().lower())


def _read_header(cells: list[str], where: str, result: ParseResult) -> dict[str, int] | None:
    """Return where each known column is; None, with an error, if the header is unusable."""
    names = [_column_name(cell) for cell in _without_trailing_blanks(cells)]
    if "stem" not in names:
        if any(name in COLUMNS for name in names):
            opening = "the header has no stem column."
        else:
            opening = "this is not a header row: it names none of the qbank columns."
        result.error(
            where,
            f"{opening} The first row must name the columns: {COLUMN_SUMMARY}. Start from the "
            "template to get them right.",
        )
        return None
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, name in enumerate(names):
        if name not in COLUMNS:
            unknown.append(_shown(name) if name else f"{index + 1} (no name)")
        elif name in positions:
            result.error(where, f"the column {name} appears twice. Keep one of them.")
            return None
        else:
            positions[name] = index
    if len(unknown) == 1:
        result.warn(
            where,
            f"the column {unknown[0]} is not a qbank column, so it was left out. If it "
            "should be read, give it a name from the template.",
        )
    elif unknown:
        result.warn(
            where,
            f"the columns {_and_list(unknown)} are not qbank columns, so they were left "
            "out. If they should be read, give them names from the template.",
        )
    return positions


def _shown(text: str, limit: int = 40) -> str:
    """Quote a cell in a message, cut short so that a huge cell cannot flood the report."""
    return f'"{text}"' if len(text) <= limit else f'"{text[: limit - 1]}…"'


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _cell_text(cell: str) -> str:
    """Undo write()'s formula guard and use \\n for every line break."""
    cell = unguard_cell(cell)
    return cell.replace("\r\n", "\n").replace("\r", "\n")


def _row_draft(
    number: int,
    cells: list[str],
    positions: dict[str, int],
    width: int,
    delimiter: str,
    result: ParseResult,
) -> QuestionDraft | None:
    """Build the draft in one row and check it; None if the row cannot be read at all."""
    where = f"row {number}"
    filled = len(_without_trailing_blanks(cells))
    if filled > width:
        result.error(
            where,
            f"it has {filled} cells but the header has {width} columns. Put quotes around "
            f"any cell that holds a {DELIMITER_NAMES[delimiter]}, or delete the extra cells.",
        )
        return None
    row = {
        name: _cell_text(cells[index]) if index < len(cells) else ""
        for name, index in positions.items()
    }
    too_long = [name for name, text in row.items() if len(text) > MAX_CELL_CHARS]
    for name in too_long:
        result.error(
            f"{where}, {name}",
            f"this cell holds {len(row[name]):,} characters; the limit is "
            f"{MAX_CELL_CHARS:,}. Shorten it.",
        )
    if too_long:
        return None

    texts = {
        key: row.get(column, "") for key, column in zip(OPTION_KEYS, OPTION_COLUMNS, strict=True)
    }
    present = [key for key, text in texts.items() if text.strip()]
    answer = row.get("answer", "").strip()
    kind_cell = row.get("kind", "").strip()
    if kind_cell.lower() in KINDS:
        kind = KINDS[kind_cell.lower()]
    elif kind_cell:
        result.error(
            f"{where}, kind",
            f"{_shown(kind_cell)} is not a kind. Write single, multiple, truefalse or flashcard, "
            "or leave it empty for single.",
        )
        return None
    else:
        kind = QuestionKind.FLASHCARD if not present and not answer else QuestionKind.SINGLE
    if kind == QuestionKind.TRUE_FALSE and not present:
        texts.update(A="True", B="False")
        present = ["A", "B"]

    for key in OPTION_KEYS[: OPTION_KEYS.index(present[-1]) if present else 0]:
        if key not in present:
            result.error(
                f"{where}, option_{key.lower()}",
                f"option_{key.lower()} is empty but a later option is filled. Move the "
                "options up so that there is no gap.",
            )
    for key, column in zip(OPTION_KEYS, RATIONALE_COLUMNS, strict=True):
        if row.get(column, "").strip() and key not in present:
            result.error(
                f"{where}, {column}",
                f"there is a rationale for option {key}, but option_{key.lower()} is empty. "
                "Write the option or delete the rationale.",
            )
    correct = _correct_keys(answer, kind, texts, present, f"{where}, answer", result)

    draft = QuestionDraft(
        kind=kind,
        stem=row.get("stem", ""),
        options=[
            OptionDraft(
                text=texts[key],
                correct=key in correct,
                rationale=row.get(f"rationale_{key.lower()}", ""),
            )
            for key in present
        ],
        explanation=row.get("explanation", ""),
        reference=row.get("reference", ""),
        tags=[tag.strip() for tag in TAG_SEPARATORS.split(row.get("tags", "")) if tag.strip()],
        external_id=row.get("external_id", "").strip() or None,
        location=where,
    )
    for problem in check_draft(draft):
        message = _SPREADSHEET_WORDING.get(problem.message, problem.message)
        # An answer cell that marks nothing correct has had its own, sharper message.
        if not (answer and message == _NO_CORRECT):
            result.error(problem.location, message)
    return draft


def _correct_keys(
    answer: str,
    kind: QuestionKind,
    texts: dict[str, str],
    present: list[str],
    where: str,
    result: ParseResult,
) -> set[str]:
    """Read the answer cell as option letters, reporting letters that point at nothing."""
    if not answer:
        return set()
    if kind == QuestionKind.FLASHCARD:
        result.error(
            where,
            "a flashcard has no answer letter. Write the back of the card in the "
            "explanation column and empty the answer cell.",
        )
        return set()
    if kind == QuestionKind.TRUE_FALSE and answer.lower() in ("true", "false"):
        keys = {key for key in present if texts[key].strip().lower() == answer.lower()}
        if not keys:
            result.error(
                where,
                f"the answer is {_shown(answer)} but no option says {answer}. Write the letter "
                "of the right option, A or B.",
            )
        return keys
    letters = ANSWER_SEPARATORS.sub("", answer).upper()
    if not letters or any(letter not in OPTION_KEYS for letter in letters):
        result.error(
            where,
            f"{_shown(answer)} is not an option letter. Write the letter of the right option, "
            'such as "B", or letters such as "A,C" for a multiple-response question.',
        )
        return set()
    for letter in sorted(set(letters) - set(present)):
        result.error(
            where,
            f"the answer is {letter} but option_{letter.lower()} is empty. Write option "
            f"{letter} or change the answer.",
        )
    return set(letters) & set(present)


# --- writing ---------------------------------------------------------------------------


def _cells(draft: QuestionDraft) -> dict[str, str]:
    if len(draft.options) > MAX_OPTIONS:
        raise ValueError(
            f"{draft.location or 'a question'} has {len(draft.options)} options; a qbank "
            f"CSV holds at most {MAX_OPTIONS}."
        )
    lettered = list(zip(OPTION_KEYS[: len(draft.options)], draft.options, strict=True))
    cells = {
        "kind": draft.kind.value,
        "stem": draft.stem,
        "answer": ",".join(key for key, option in lettered if option.correct),
        "explanation": draft.explanation,
        "tags": "; ".join(draft.tags),
        "reference": draft.reference,
        "external_id": draft.external_id or "",
    }
    for key, option in lettered:
        cells[f"option_{key.lower()}"] = option.text
        cells[f"rationale_{key.lower()}"] = option.rationale
    return cells


TEMPLATE_DRAFTS = [
    QuestionDraft(
        kind=QuestionKind.SINGLE,
        stem=(
            "A 74-year-old man has had breathlessness and chest tightness on exertion for "
            "three months, and fainted last week while climbing stairs. He has a "
            "slow-rising pulse and a harsh ejection systolic murmur at the right upper "
            "sternal edge that radiates to both carotids.\n\n"
            "Which is the most likely diagnosis?"
        ),
        options=[
            OptionDraft(
                "Aortic stenosis",
                correct=True,
                rationale="Angina, exertional syncope and breathlessness with this murmur "
                "and a slow-rising pulse are the classic picture.",
            ),
            OptionDraft(
                "Hypertrophic obstructive cardiomyopathy",
                rationale="Its murmur is loudest at the left sternal edge, does not radiate "
                "to the carotids and grows louder on Valsalva; the pulse is jerky, not "
                "slow-rising.",
            ),
            OptionDraft(
                "Mitral regurgitation",
                rationale="A pansystolic murmur at the apex that radiates to the axilla.",
            ),
            OptionDraft(
                "Aortic regurgitation",
                rationale="An early diastolic murmur at the left sternal edge with a "
                "collapsing pulse.",
            ),
            OptionDraft(
                "Ventricular septal defect",
                rationale="A pansystolic murmur at the lower left sternal edge.",
            ),
        ],
        explanation=(
            "**Calcific aortic stenosis** is the commonest valve disease needing surgery in "
            "older adults. Once symptoms appear (angina, syncope, breathlessness), refer for "
            "aortic valve replacement: surgical or transcatheter (TAVI)."
        ),
        reference="2021 ESC/EACTS Guidelines for the management of valvular heart disease",
        tags=["Cardiology::Valve disease", "Clinical examination"],
        external_id="cardio-aortic-stenosis-001",
    ),
    QuestionDraft(
        kind=QuestionKind.MULTIPLE,
        stem=(
            "Which of the following cause a metabolic acidosis with a **raised anion gap**? "
            "Select all that apply."
        ),
        options=[
            OptionDraft(
                "Diabetic ketoacidosis",
                correct=True,
                rationale="Ketoacids (β-hydroxybutyrate, acetoacetate) are unmeasured anions.",
            ),
            OptionDraft(
                "Profuse diarrhoea",
                rationale="Bicarbonate is lost from the gut and chloride rises: a normal "
                "anion gap (hyperchloraemic) acidosis.",
            ),
            OptionDraft(
                "Methanol poisoning",
                correct=True,
                rationale="Methanol is metabolised to formic acid.",
            ),
            OptionDraft(
                "Distal (type 1) renal tubular acidosis",
                rationale="The kidney fails to excrete acid; chloride is retained and the "
                "anion gap stays normal.",
            ),
            OptionDraft(
                "Lactic acidosis in septic shock",
                correct=True,
                rationale="Lactate is an unmeasured anion.",
            ),
        ],
        explanation=(
            "Anion gap = Na⁺ - (Cl⁻ + HCO₃⁻), normally 8 to 12 mmol/L. A raised gap "
            "means an unmeasured acid has been added: ketones, lactate, toxic alcohols, "
            "salicylate or the acids retained in renal failure."
        ),
        reference="Kraut JA, Madias NE. Metabolic acidosis: pathophysiology, diagnosis and "
        "management. Nat Rev Nephrol 2010;6:274-85",
        tags=["Renal::Acid-base", "Biochemistry"],
        external_id="renal-anion-gap-002",
    ),
    QuestionDraft(
        kind=QuestionKind.FLASHCARD,
        stem="Anaphylaxis in an adult: the first drug, its dose and its route?",
        explanation=(
            "**Adrenaline 500 micrograms intramuscularly** (0.5 mL of 1 mg/mL, that is "
            "1:1000) into the anterolateral thigh. Repeat after 5 minutes if there is no "
            "improvement."
        ),
        reference="Resuscitation Council UK. Emergency treatment of anaphylaxis, 2021",
        tags=["Emergency medicine::Anaphylaxis"],
        external_id="em-anaphylaxis-003",
    ),
]
