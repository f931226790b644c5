"""Anki deck packages (.apkg): every note becomes one flashcard.

An .apkg is a zip holding the collection as SQLite (``collection.anki2``, or
``collection.anki21`` from Anki 2.1: the same tables) and the deck's media, stored as
members "0", "1", ... with a JSON map ``media`` from those numbers to the real names.
Newer Anki writes ``collection.anki21b``, compressed with zstd, which the standard
library cannot read: the user is asked to export again with "Support older Anki
versions" ticked.

Where Anki and qbank differ, this importer decides:

- One flashcard per note, from its first card type. The front is that card's question;
  the back is its answer after Anki's ``<hr id=answer>`` marker, so it does not repeat
  the front. A cloze note's front hides its lowest cloze number, as Anki's first card
  does. Other card types and clozes are listed as skipped, once per note type.
- A note Anki makes no card from (an empty front, a cloze note without a cloze) is
  skipped, and so is one whose front or back holds nothing but sound or missing images.
- Each side is Anki's HTML in one ``<div>`` block, so that Markdown passes it through
  as Anki showed it instead of reading ``*`` or ``#`` in it. Sanitizing is for display.
- Media: only the images cards show are kept, judged by their bytes, not their names.
  A shown image that is not one (an SVG, an HTML page named .png) is an error, because
  the card would lose it; an image missing from the package is a warning, because Anki
  shows that card without it too. Sound and all other files are left out, with one
  warning naming them.
- Title: the deck that holds every card, unless that is Default. When the cards come
  from several decks, each note is also tagged with its deck's full name
  ("Cardiology::Valves"), so the deck tree survives as qbank's tag tree.
- The zip is judged by its directory before anything is unpacked (member count, sizes,
  compression ratio), and every read stops at its limit whatever sizes it claims.
  Nothing is written to disk under a name from the package: the collection is copied to
  a temporary file, because sqlite3 needs a path, and opened read-only.

Its modules, in the order a deck is read:

- ``importer``: ``FORMAT``, ``LABEL``, ``sniff`` and ``parse``, which reads the package.
- ``archive``: the zip, judged by its directory and read within the limits.
- ``collection``: the SQLite collection's notes, decks and note types.
- ``templates``: Anki's template language and cloze deletions.
- ``notes``: each note's first card rendered into a flashcard draft; what was skipped.
- ``media``: the images the cards show, kept by their bytes; the files left out.
- ``sides``: a side's HTML: its visible text, trimmed ends, the block qbank keeps.
- ``messages``: the wording the report's messages share.
"""

from qbank.importers.anki.importer import FORMAT, LABEL, parse, sniff

__all__ = ["FORMAT", "LABEL", "parse", "sniff"]
