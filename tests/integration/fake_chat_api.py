#!/usr/bin/env python3
"""fake_chat_api.py: a stand-in for the chat platforms' APIs in integration tests.

The bridge's chat instances take their API base URL from the `api` key, so
a test starts this script on a free loopback port and points the bridge at
http://127.0.0.1:PORT.  Every request it gets is appended to the log file as
one JSON line, before it is answered:

    {"n": 1, "method": "POST", "path": "/cgi-bin/message/send",
     "query": {"access_token": "tok-1"}, "headers": {"content-type": ...},
     "body": "<raw text>", "json": <the body parsed, or null>}

so a test can wait for a line and read exactly what the bridge sent.  It
answers the way the platforms do:

  WeCom     GET  /cgi-bin/gettoken?corpid&corpsecret     {"errcode":0,"access_token","expires_in"}
            POST /cgi-bin/message/send?access_token      {"errcode":0,"errmsg":"ok"}
  WeChat    GET  /cgi-bin/token?grant_type&appid&secret   as gettoken
            POST /cgi-bin/message/custom/send?access_token
  DingTalk  POST /v1.0/oauth2/accessToken                 {"accessToken","expireIn"}
            POST /v1.0/robot/oToMessages/batchSend, /v1.0/robot/groupMessages/send
                 (header x-acs-dingtalk-access-token)     {"processQueryKey":"q-N"}
            POST /robot/sendBySession?session=…  (a sessionWebhook)  {"errcode":0,"errmsg":"ok"}
  Feishu    POST /open-apis/auth/v3/tenant_access_token/internal  {"code":0,"tenant_access_token","expire"}
            POST /open-apis/im/v1/messages[?receive_id_type], /open-apis/im/v1/messages/<id>/reply
                 (header Authorization: Bearer …)         {"code":0,"msg":"success","data":{"message_id"}}

Tokens are "tok-1", "tok-2", ... (one more per token request).  A send
with a token that is not the newest is refused as expired (WeCom/WeChat
errcode 42001, DingTalk 401, Feishu code 99991663), so a test sees a
refetch.  Options shape the answers:

  --port N            listen on 127.0.0.1:N (required)
  --log FILE          the JSON lines (required)
  --expire-sends K    the first K sends are refused as if the token had
                      expired (the token is dropped: the next send needs a
                      new one)
  --refuse-tokens     every token request is refused (a wrong secret:
                      errcode 40001 / code 10014)
  --send-errcode C    every send of WeCom/WeChat answers errcode C
                      (45015: outside WeChat's 48 h window, 45009: limit)

It serves until killed (SIGTERM).  Only the standard library is used.
"""
import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

STATE = {"n": 0, "token": 0, "sends": 0, "revoked": None}
LOCK = threading.Lock()
ARGS = None


def log(entry):
    with open(ARGS.log, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        f.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the JSON lines say it all
        pass

    def answer(self, status, obj):
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self, method):
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        with LOCK:
            STATE["n"] += 1
            entry = {"n": STATE["n"], "method": method, "path": url.path, "query": query,
                     "headers": {k.lower(): v for k, v in self.headers.items()}, "body": raw, "json": parsed}
            log(entry)
            status, obj = route(method, url.path, query, self.headers, parsed)
        self.answer(status, obj)

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")


def new_token():
    if ARGS.refuse_tokens:
        return None
    STATE["token"] += 1
    return "tok-%d" % STATE["token"]


def current(token):
    return STATE["token"] > 0 and token == "tok-%d" % STATE["token"] and token != STATE["revoked"]


def send_refused():
    """True (and the token dropped) while --expire-sends still has sends to refuse."""
    STATE["sends"] += 1
    if STATE["sends"] <= ARGS.expire_sends:
        STATE["revoked"] = "tok-%d" % STATE["token"]  # the next send needs a new token
        return True
    return False


def route(method, path, query, headers, body):
    """(status, answer) for one request, under LOCK."""
    if path in ("/cgi-bin/gettoken", "/cgi-bin/token"):
        t = new_token()
        if t is None:
            return 200, {"errcode": 40001, "errmsg": "invalid credential"}
        return 200, {"errcode": 0, "errmsg": "ok", "access_token": t, "expires_in": 7200}
    if path in ("/cgi-bin/message/send", "/cgi-bin/message/custom/send"):
        if send_refused() or not current(query.get("access_token")):
            return 200, {"errcode": 42001, "errmsg": "access_token expired"}
        if ARGS.send_errcode:
            return 200, {"errcode": ARGS.send_errcode, "errmsg": "refused by --send-errcode"}
        return 200, {"errcode": 0, "errmsg": "ok", "msgid": "m%d" % STATE["n"]}
    if path == "/v1.0/oauth2/accessToken":
        t = new_token()
        if t is None:
            return 400, {"code": "invalidClientSecret", "message": "refused"}
        return 200, {"accessToken": t, "expireIn": 7200}
    if path.startswith("/v1.0/robot/"):
        if send_refused() or not current(headers.get("x-acs-dingtalk-access-token")):
            return 401, {"code": "InvalidAuthentication", "message": "token expired"}
        return 200, {"processQueryKey": "q-%d" % STATE["n"]}
    if path == "/robot/sendBySession":
        return 200, {"errcode": 0, "errmsg": "ok"}
    if path == "/open-apis/auth/v3/tenant_access_token/internal":
        t = new_token()
        if t is None:
            return 200, {"code": 10014, "msg": "app secret invalid"}
        return 200, {"code": 0, "msg": "ok", "tenant_access_token": t, "expire": 7200}
    if path.startswith("/open-apis/im/v1/messages"):
        auth = headers.get("Authorization") or ""
        if send_refused() or not current(auth[7:] if auth.startswith("Bearer ") else ""):
            return 200, {"code": 99991663, "msg": "tenant access token invalid"}
        return 200, {"code": 0, "msg": "success", "data": {"message_id": "om_%d" % STATE["n"]}}
    return 404, {"errcode": 404, "errmsg": "no such API in fake_chat_api.py"}


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--expire-sends", type=int, default=0)
    p.add_argument("--refuse-tokens", action="store_true")
    p.add_argument("--send-errcode", type=int, default=0)
    ARGS = p.parse_args()
    open(ARGS.log, "a").close()
    ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
