"""What JSON input the service accepts, for both doors: REST bodies (app/api/parser.py) and
Socket.IO payloads (app/realtime/server.py).

- Nesting deeper than Python's recursion limit and integers longer than Python's 4,300-digit
  limit are not JSON we can read: `loads` refuses them as it refuses malformed JSON.
- Strings must be Unicode text: JSON may spell a lone UTF-16 surrogate ("\\ud800"), which no
  UTF-8 text (PostgreSQL, Redis, other clients) can hold. `lone_surrogate_field` finds one.
"""
import json
import re

_SURROGATE = re.compile("[\ud800-\udfff]")


class InvalidJson(ValueError):
    """The text is not JSON this service can read; the message says why."""


def loads(data):
    """Parse a JSON document (str or UTF-8 bytes). Raises InvalidJson."""
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise InvalidJson(f"{exc.msg} at position {exc.pos}")
    except UnicodeDecodeError:
        raise InvalidJson("not UTF-8")
    except RecursionError:
        raise InvalidJson("nested too deeply")
    except ValueError:  # int() refuses literals beyond sys.get_int_max_str_digits()
        raise InvalidJson("a number has too many digits")


def lone_surrogate_field(value):
    """The dotted path of the first string in `value` that holds a lone surrogate, or None. A bad
    key is reported as the object holding it (the key itself is not echoed); the top level as "_schema"."""
    pending = [("", value)]  # iterative: a payload may be nested as deep as the parser allowed
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return path or "_schema"
            continue
        if isinstance(item, dict):
            for name in item:
                if isinstance(name, str) and _SURROGATE.search(name):
                    return path or "_schema"
            children = item.items()
        elif isinstance(item, (list, tuple)):
            children = enumerate(item)
        else:
            continue
        pending.extend((f"{path}.{name}" if path else str(name), child) for name, child in children)
    return None


LONE_SURROGATE = "must be Unicode text (it holds a lone UTF-16 surrogate)"
