#!/usr/bin/env python3
"""fake_peers.py - a scripted LwM2M Bootstrap-Server and LwM2M server over
plain CoAP/UDP, just enough to drive cellstrap-client over real sockets.

  fake_peers.py bs PORT SERVER_URI MODE   answer POST /bs, write /0/1 and /1/0
                                          (SenML JSON), Bootstrap-Finish
  fake_peers.py bs-nofinish PORT URI MODE the same Writes, then silence: no
                                          Finish (a BS that died mid-session)
  fake_peers.py server PORT               answer Register, Read /3/0, wait for
                                          De-register
Prints one line per step; exits 0 when its script completed.
"""
import base64
import json
import socket
import struct
import sys


def enc_ext(v):
    if v < 13:
        return v, b""
    if v < 269:
        return 13, bytes([v - 13])
    return 14, struct.pack(">H", v - 269)


def build(t, code, mid, token, opts, payload=b""):
    out = bytes([0x40 | t << 4 | len(token), code]) + struct.pack(">H", mid) + token
    last = 0
    for num, val in sorted(opts, key=lambda o: o[0]):
        d, dx = enc_ext(num - last)
        l, lx = enc_ext(len(val))
        out += bytes([d << 4 | l]) + dx + lx + val
        last = num
    if payload:
        out += b"\xff" + payload
    return out


def parse(d):
    t, tkl, code = (d[0] >> 4) & 3, d[0] & 15, d[1]
    mid = struct.unpack(">H", d[2:4])[0]
    token, i, num, opts = d[4:4 + tkl], 4 + tkl, 0, []
    while i < len(d) and d[i] != 0xFF:
        dl, ll = d[i] >> 4, d[i] & 15
        i += 1
        for which in (0, 1):
            v = dl if which == 0 else ll
            if v == 13:
                v = d[i] + 13
                i += 1
            elif v == 14:
                v = struct.unpack(">H", d[i:i + 2])[0] + 269
                i += 2
            if which == 0:
                dl = v
            else:
                ll = v
        num += dl
        opts.append((num, d[i:i + ll]))
        i += ll
    payload = d[i + 1:] if i < len(d) else b""
    return t, code, mid, token, opts, payload


def code_text(c):
    return "%d.%02d" % (c >> 5, c & 31)


class Peer:
    def __init__(self, port):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", port))
        self.s.settimeout(20)
        self.mid = 1000
        print("listening on port", port, flush=True)

    def wait_request(self):
        while True:
            d, a = self.s.recvfrom(4096)
            m = parse(d)
            if m[0] in (0, 1) and 1 <= m[1] <= 31:
                return a, m

    def reply(self, addr, req, code, opts=(), payload=b""):
        self.s.sendto(build(2, code, req[2], req[3], list(opts), payload), addr)

    def request(self, addr, code, path, opts=(), payload=b""):
        self.mid += 1
        o = [(11, p.encode()) for p in path.strip("/").split("/") if p] + list(opts)
        self.s.sendto(build(0, code, self.mid, b"\x07\x07", o, payload), addr)
        while True:
            d, a = self.s.recvfrom(4096)
            m = parse(d)
            if m[0] == 2 and m[2] == self.mid:
                print("%s %s -> %s" % (code_text(code), path, code_text(m[1])), flush=True)
                return m


def b64(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def run_bs(port, uri, mode, finish=True):
    p = Peer(port)
    addr, req = p.wait_request()
    query = [v.decode() for n, v in req[4] if n == 15]
    print("Bootstrap-Request", " ".join(query), flush=True)
    p.reply(addr, req, 0x44)
    sec = [{"bn": "/0/1/", "n": "0", "vs": uri}, {"n": "1", "vb": False},
           {"n": "2", "v": mode}, {"n": "3", "vd": b64(b"dev-id")}, {"n": "4", "vd": ""},
           {"n": "5", "vd": b64(b"0123456789abcdef")}, {"n": "10", "v": 101}]
    srv = [{"bn": "/1/0/", "n": "0", "v": 101}, {"n": "1", "v": 30},
           {"n": "6", "vb": True}, {"n": "7", "vs": "U"}]
    cf = [(12, bytes([110]))]
    ok = p.request(addr, 3, "/0/1", cf, json.dumps(sec).encode())[1] == 0x44
    ok &= p.request(addr, 3, "/1/0", cf, json.dumps(srv).encode())[1] == 0x44
    if not finish:
        print("stopping before Bootstrap-Finish", flush=True)
        return 0 if ok else 1
    ok &= p.request(addr, 2, "/bs")[1] == 0x44
    return 0 if ok else 1


def run_server(port):
    p = Peer(port)
    addr, req = p.wait_request()
    query = [v.decode() for n, v in req[4] if n == 15]
    print("Register", " ".join(query), req[5].decode(), flush=True)
    p.reply(addr, req, 0x41, [(8, b"rd"), (8, b"1")])
    rsp = p.request(addr, 1, "/3/0", [(17, bytes([110]))])
    print("Read /3/0", rsp[5].decode(), flush=True)
    addr, req = p.wait_request()
    path = "/".join(v.decode() for n, v in req[4] if n == 11)
    print("%s %s" % (code_text(req[1]), path), flush=True)
    p.reply(addr, req, 0x42)
    return 0 if req[1] == 4 and path == "rd/1" else 1


if __name__ == "__main__":
    if sys.argv[1] in ("bs", "bs-nofinish"):
        sys.exit(run_bs(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]),
                        finish=sys.argv[1] == "bs"))
    sys.exit(run_server(int(sys.argv[2])))
