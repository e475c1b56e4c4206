"""Keep MediaPipe's native log chatter off the patient's and therapist's terminal.

MediaPipe (absl/glog in C++) and OpenCV's video back ends write lines such as
"W0000 ... inference_feedback_manager.cc:114] Feedback manager requires ..."
straight to file descriptor 2; no environment variable silences them in
0.10.21. They are not errors and they bury the one line that matters. So
the command line points descriptor 2 at a pipe read by a thread that drops
native INFO/WARNING lines and passes everything else through, while Python's
own `sys.stderr` keeps writing to the original terminal directly, so our
error messages can never be lost or delayed by the filter. Native ERROR and
FATAL lines still get through. OpenCV's "[ WARN:0@2.1] global cap_v4l.cpp ..." lines
about a camera that will not open are dropped too: our own one-line message says
the same thing in words a patient can act on. `NEUROPLAY_NATIVE_LOGS=1` turns the filter off.
"""

from __future__ import annotations

import io
import os
import re
import sys
import threading

_NOISE = re.compile(
    rb"^(?:[IW]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ |INFO: Created TensorFlow Lite|"
    rb"\[ ?(?:WARN|ERROR|INFO):\d+@[\d.]+\] global |"
    rb"WARNING: All log messages before absl::InitializeLog\(\) is called)"
)


def is_noise(line: bytes) -> bool:
    """A native INFO/WARNING line from MediaPipe/TFLite, or an OpenCV log line (never a
    MediaPipe ERROR or FATAL)."""
    return _NOISE.match(line) is not None


def _pump(read_fd: int, out_fd: int) -> None:
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        buf = b""
        while chunk := pipe.read(4096):
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for line in lines:
                if not is_noise(line):
                    os.write(out_fd, line + b"\n")
        if buf and not is_noise(buf):
            os.write(out_fd, buf)


def quiet_native_logs() -> None:
    """Filter descriptor 2 for native log lines; Python's stderr is untouched."""
    if os.environ.get("NEUROPLAY_NATIVE_LOGS") == "1":
        return
    try:
        sys.stderr.flush()
        original = os.dup(2)
        read_fd, write_fd = os.pipe()
    except (OSError, ValueError, AttributeError):
        return  # no real descriptor 2 (embedded or captured): nothing to filter
    # Python keeps the terminal itself; only native writes to fd 2 go through the filter.
    sys.stderr = io.TextIOWrapper(os.fdopen(os.dup(original), "wb", buffering=0),
                                  encoding=getattr(sys.stderr, "encoding", None) or "utf-8",
                                  errors="backslashreplace", line_buffering=True, write_through=True)
    os.dup2(write_fd, 2)
    os.close(write_fd)
    threading.Thread(target=_pump, args=(read_fd, original), name="native-log-filter",
                     daemon=True).start()
