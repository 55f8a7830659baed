"""JSON between Python and PostgreSQL's jsonb columns: orjson, with the standard library's
exact results.

Staging writes and reads every row of a file as jsonb: the standard library's encoder and decoder
cost seconds at national size, orjson a fraction of that. Where the two would differ, the
standard library decides, so that what is stored and read back does not change:
- dates, times and dataclasses, which `json` refuses, are refused the same way (orjson would
  write them);
- what orjson cannot write (integers beyond 64 bits, keys that are not text) is written by `json`;
- a number of 19 digits or more is read by `json`: orjson would read an integer beyond 64 bits as
  a float, or refuse it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_PASSTHROUGH = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_LONG_NUMBER = re.compile(rb"[0-9]{19}")


def dumps(value: Any) -> bytes | str:
    try:
        return orjson.dumps(value, option=_PASSTHROUGH)
    except TypeError:  # orjson.JSONEncodeError included
        return json.dumps(value)


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    raw = data.encode() if isinstance(data, str) else bytes(data)
    if _LONG_NUMBER.search(raw) is None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw)
