"""What the contract commands (check_eligibility, working_days) share: one way to read a JSON file
and one way to refuse input (a single Chinese line on stderr, exit code 2, nothing on stdout)."""

import json
import sys


class BadInput(Exception):
    """Input that breaks a contract; its text is the one line the caller sees."""


def read_json(path: str):
    """The JSON value in ``path`` (``-`` for standard input), or BadInput naming the file."""
    try:
        if path == "-":
            return json.load(sys.stdin)
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as exc:
        raise BadInput(f"无法读取文件 {path}：{exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"文件 {path} 不是有效的 JSON：{exc}".replace("\n", " ")) from None


def refuse(error: Exception) -> None:
    sys.stderr.write(f"错误：{' '.join(str(error).split())}\n")
    sys.exit(2)
