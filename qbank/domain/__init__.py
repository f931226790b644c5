"""Pure rules: no Flask, no database. Functions take ``now`` and plain values."""
