"""Expected refusals (4xx) and the 503s of an unreachable database are one line in the log; only
server errors keep their traceback."""

import logging


class OneLineRefusals(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and (status < 500 or status == 503):
            if status == 503 and record.exc_info and record.exc_info[1] is not None:
                reason = str(record.exc_info[1]).splitlines()[0].replace("%", "%%")
                record.msg = f"{record.msg}（{reason}）"
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
