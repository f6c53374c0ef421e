"""Run a socketlab console script in CPython, as the console runs it.

Usage: python3 cpython_driver.py SCRIPT PORTS

Each line of SCRIPT runs as the interactive interpreter runs it (compiled
in "single" mode, so that an expression's repr is printed), after "from
socket import *", as the console's names are. The transcript reads as the
console's: each line after ">>> ", then what it printed, then the
exception it raised as "Class: message" (no traceback). Blank lines and
comment lines are left out; a line marked "# lab-only:" is written but
not run.

The lab's addresses are mapped to the lab's services on the host's
network: PORTS is JSON, {"tcp": {"7": 40007, ...}, "udp": {...}}, the
host port (on 127.0.0.1) of each lab port of the lab server 10.0.0.1.
A socket's methods map ("10.0.0.1", 7) to ("127.0.0.1", 40007) on the
way out and back on the way in, so that the transcript shows the lab's
addresses. The student's host is 127.0.0.1, and its name is its address,
as a lab host's is.
"""

import json
import socket as socketmod
import sys
import traceback

SERVER = "10.0.0.1"
LOCAL = "127.0.0.1"

_ports = json.loads(sys.argv[2])
_out = {(proto, int(lab)): host for proto, m in _ports.items() for lab, host in m.items()}
_back = {(proto, host): lab for (proto, lab), host in _out.items()}


def _proto(s):
    return "udp" if s.type == socketmod.SOCK_DGRAM else "tcp"


def _to_host(s, addr):
    if isinstance(addr, tuple) and len(addr) == 2 and addr[0] == SERVER:
        port = addr[1]
        if isinstance(port, int):
            port = _out.get((_proto(s), port), port)
        return (LOCAL, port)
    return addr


def _to_lab(s, addr):
    if isinstance(addr, tuple) and len(addr) == 2 and addr[0] == LOCAL:
        lab = _back.get((_proto(s), addr[1]))
        if lab is not None:
            return (SERVER, lab)
    return addr


class socket(socketmod.socket):
    """socket.socket, with the lab's addresses mapped to the host's. The
    methods take any arguments and pass them on, so that a wrong call
    raises what the C method raises."""

    def connect(self, *args):
        return super().connect(*_last_to_host(self, args))

    def connect_ex(self, *args):
        return super().connect_ex(*_last_to_host(self, args))

    def sendto(self, *args):
        return super().sendto(*_last_to_host(self, args))

    def recvfrom(self, *args, **kw):
        data, addr = super().recvfrom(*args, **kw)
        return data, _to_lab(self, addr)

    def getpeername(self, *args):
        return _to_lab(self, super().getpeername(*args))


def _last_to_host(s, args):
    """args with its last one, the address, mapped to the host's."""
    if len(args) >= 1:
        return args[:-1] + (_to_host(s, args[-1]),)
    return args


socket.__module__ = "socket"
socket.__qualname__ = socket.__name__ = "socket"
socketmod.socket = socket  # accept and create_connection make these too
socketmod.gethostname = lambda: LOCAL


def main():
    ns = {"__name__": "__main__"}
    exec("from socket import *", ns)
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = f.read().splitlines()
    for line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        print(">>> " + line)
        if "# lab-only:" in line:
            continue
        try:
            exec(compile(line + "\n", "<stdin>", "single"), ns)
        except SyntaxError as e:
            print("SyntaxError: " + str(e.msg))
        except BaseException as e:  # noqa: B036: the REPL shows them all
            print(traceback.format_exception_only(type(e), e)[-1].rstrip())
        sys.stdout.flush()


main()
