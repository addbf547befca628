#!/usr/bin/python3
"""cunbao's reliability suite: the promises checked through crashes and a full disk.

Starts a private mosquitto from the shipped systemd/mosquitto-cunbao.conf (only
listener ports, file paths and the password/ACL files changed), cunbaod with a
generated roster and its database on a small tmpfs, and cunbao-bridge with the
generic HTTP webhook channel.  Then it sends:

  * structured reports from apps (MQTT, cunbao/v1/report/<area>), each retried
    with the same id until its receipt arrives on cunbao/v1/receipt/<app>;
  * SMS from leaders through a fake HTTP gateway, which retries its POST to the
    bridge until it answers 2xx and counts the replies the bridge POSTs back;

and while they run: kill -9 of cunbaod (each time checking that every receipt
seen so far is in the journal), kill -9 of the bridge, kill -9 and restart of
the broker (after publishing probe reports nobody retries: what the broker
acknowledged must survive), a disk that fills and frees again, and reports
whose MQTT 5 Response Topic names a topic cunbaod may not write.

At the end: every id has exactly one journal row, every `sum` rollup (database
and retained MQTT) equals a recomputation from what was sent, every SMS got
exactly one reply, PRAGMA integrity_check is ok, every receipted id is stored.
Prints the figures and one FAIL line per failed check; exits 1 on any failure,
77 when it cannot run here (no paho-mqtt), 0 otherwise.

  reliability.py [--short | --long] [--build DIR] [--keep] [--seed N]
                 [--reports N] [--sms N] [--kills N] [--bridge-kills N]
                 [--broker-kills N] [--no-disk-full] [--no-poison]
"""
import argparse
import atexit
import hashlib
import hmac
import http.client
import http.server
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

try:
    import paho.mqtt.client as mqtt
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties
except ImportError:
    print("reliability: python3-paho-mqtt is not installed (apt-get install python3-paho-mqtt): skipped")
    sys.exit(77)

ROOT = "cunbao/v1"
SECRET = "reliability-suite-secret-0123456789"
# Debian's /etc/mosquitto/mosquitto.conf, for a machine without the package's own.
DEBIAN_MOSQUITTO_CONF = """pid_file /run/mosquitto/mosquitto.pid
persistence true
persistence_location /var/lib/mosquitto/
log_dest file /var/log/mosquitto/mosquitto.log
include_dir /etc/mosquitto/conf.d
"""
PASSWORD = "rel-pass-42"
SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

MODES = {
    # reports, sms, cunbaod kills, bridge kills, broker kills, apps, tmpfs size
    "short": dict(reports=3000, sms=300, kills=3, bridge_kills=1, broker_kills=1, apps=4,
                  disk="128m", stall=60, rate=100),
    "long": dict(reports=100000, sms=5000, kills=20, bridge_kills=3, broker_kills=2, apps=8,
                 disk="1g", stall=120, rate=800),
}


def now():
    return time.monotonic()


def say(*a):
    print("reliability: " + " ".join(str(x) for x in a), flush=True)


class Failures:
    """Collects failed checks: each one names the check and what failed (ids, figures)."""

    def __init__(self):
        self.items = []
        self.lock = threading.Lock()

    def add(self, check, what):
        with self.lock:
            self.items.append((check, what))
        print(f"FAIL [{check}] {what}", flush=True)


FAILS = Failures()


def free_port(_used=set()):
    """A free TCP port on 127.0.0.1, never one handed out before in this run."""
    while True:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        p = s.getsockname()[1]
        s.close()
        if p not in _used:
            _used.add(p)
            return p


def wait_port(port, timeout):
    """Waits until 127.0.0.1:port accepts a connection; False after timeout seconds."""
    end = now() + timeout
    while now() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


# ---------------------------------------------------------------- processes

class Proc:
    """One child process (its own process group), output appended to DIR/<name>.log.

    Every Proc ever started is in Proc.all; stop_all() (run at exit) kills the
    ones still running."""
    all = []

    def __init__(self, name, argv, logdir):
        self.name, self.argv = name, argv
        self.log = os.path.join(logdir, name + ".log")
        self.p = None
        self.starts = 0
        Proc.all.append(self)

    def start(self):
        """Starts (or restarts) the process; the log keeps every run, offset marks this one."""
        self.offset = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        f = open(self.log, "ab")
        f.write(f"==== start {self.starts + 1} at {time.strftime('%H:%M:%S')}: {' '.join(self.argv)}\n".encode())
        f.flush()
        self.p = subprocess.Popen(self.argv, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  start_new_session=True)
        f.close()
        self.starts += 1
        return self

    def alive(self):
        return self.p is not None and self.p.poll() is None

    def kill9(self):
        if self.alive():
            os.kill(self.p.pid, signal.SIGKILL)
        if self.p is not None:
            self.p.wait()

    def term(self, timeout=20):
        """SIGTERM, wait; SIGKILL after timeout.  Returns the exit code."""
        if not self.alive():
            return self.p.returncode if self.p else None
        os.kill(self.p.pid, signal.SIGTERM)
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            return None

    def text(self, since_start=False):
        """The log, whole or of the current run only."""
        try:
            with open(self.log, "rb") as f:
                if since_start:
                    f.seek(self.offset)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_log(self, needle, timeout):
        """Waits until the output of the current run contains needle."""
        end = now() + timeout
        while now() < end:
            if needle in self.text(since_start=True):
                return True
            if not self.alive():
                return False
            time.sleep(0.05)
        return False

    def tail(self, n=30):
        return "\n".join(self.text().splitlines()[-n:])

    @staticmethod
    def stop_all():
        for p in Proc.all:
            if p.alive():
                p.kill9()


# ---------------------------------------------------------------- the world

class World:
    """Directories, roster, configs and the three servers of one run."""

    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="cunbao-reliability-")
        os.chmod(self.dir, 0o755)
        self.disk = os.path.join(self.dir, "disk")
        os.mkdir(self.disk)
        self.mounted = False
        self.build = os.path.abspath(args.build)
        self.broker_port = free_port()
        self.bridge_port = free_port()
        self.gateway_port = free_port()
        atexit.register(self.cleanup)

    def cleanup(self):
        """Stops every process, unmounts the tmpfs and removes the scratch directory (unless --keep)."""
        Proc.stop_all()
        if self.mounted:
            subprocess.run(["umount", "-l", self.disk], stderr=subprocess.DEVNULL)
            self.mounted = False
        if self.args.keep:
            say(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def disk_state(self):
        """The database's filesystem: free bytes and the files on it."""
        files = ", ".join(f"{n} {os.path.getsize(os.path.join(self.disk, n))}" for n in sorted(os.listdir(self.disk)))
        return f"disk: {shutil.disk_usage(self.disk).free} bytes free, files: {files}"

    def bin(self, rel):
        """A built program of the build tree; exits 2 when it is missing."""
        path = os.path.join(self.build, rel)
        if not os.access(path, os.X_OK):
            say(f"{path} is not built (--build names the build tree)")
            sys.exit(2)
        return path

    def path(self, name):
        return os.path.join(self.dir, name)

    # -- the disk: a tmpfs of its own, so that it can be filled
    def mount_disk(self, size):
        """Mounts a tmpfs of `size` for the database; False (and says why) when it cannot."""
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", self.disk],
                           capture_output=True, text=True)
        if r.returncode != 0:
            say(f"cannot mount a tmpfs ({r.stderr.strip() or r.returncode}): the database is on the "
                "ordinary disk and the disk-full episode is skipped")
            return False
        self.mounted = True
        return True

    # -- roster: a township of villages of groups, a leader per group, SMS leaders beside them
    def roster(self, ngroups, nleaders):
        """Writes areas.csv and reporters.csv: groups of 20 per village under `rel`, a leader each, nleaders SMS leaders."""
        villages = max(1, ngroups // 20)
        self.groups = [f"rel/v{v:02d}/g{g:02d}" for v in range(1, villages + 1) for g in range(1, 21)][:ngroups]
        self.owner = {}
        areas = ["path,name,expected", "rel,可靠镇,0", "px,毒镇,0", "px/p1,毒村,0", "px/p1/g01,毒组,1"]
        areas += [f"rel/v{v:02d},村{v},0" for v in range(1, villages + 1)]
        reps = ["id,name,area,role,lang", "+8613700000001,毒,px/p1/g01,leader,zh"]
        for i, g in enumerate(self.groups):
            areas.append(f"{g},组{i},1")
            self.owner[g] = f"+86136{i:08d}"
            reps.append(f"{self.owner[g]},组长{i},{g},leader,zh")
        self.leaders = []
        for i in range(nleaders):
            phone, g = f"+86139{i:08d}", self.groups[i % len(self.groups)]
            self.leaders.append((phone, g))
            reps.append(f"{phone},报数{i},{g},leader,zh")
        with open(self.path("areas.csv"), "w") as f:
            f.write("\n".join(areas) + "\n")
        with open(self.path("reporters.csv"), "w") as f:
            f.write("\n".join(reps) + "\n")

    # -- the broker: the shipped config with ports and paths changed
    def broker_config(self, users, bridge_anonymous):
        """Writes mosquitto.conf as Debian's mosquitto reads it: Debian's main file (which sets
        persistence on and its location, then includes conf.d) followed by the shipped conf.d
        snippet, with only ports, paths, password/ACL files (and user root) changed; prints the
        changed lines."""
        shipped = self.args.broker_conf or os.path.join(SRC, "systemd/mosquitto-cunbao.conf")
        with open(shipped) as f:
            lines = f.read().split("\n")
        main = DEBIAN_MOSQUITTO_CONF
        if os.path.exists("/etc/mosquitto/mosquitto.conf"):
            with open("/etc/mosquitto/mosquitto.conf") as f:
                main = f.read()
        lines = main.split("\n") + ["# ---- the shipped snippet: " + shipped] + lines
        os.makedirs(self.path("mosquitto"), exist_ok=True)
        out, changed, first_listener, has_user = [], [], True, False
        cert = None
        for line in lines:
            words = line.split()
            key = words[0] if words and not words[0].startswith("#") else None
            new = line
            if key == "listener" and len(words) >= 2:
                port = self.broker_port if first_listener else free_port()
                first_listener = False
                new = " ".join(["listener", str(port)] + words[2:])
            elif key == "port" and len(words) == 2:
                new = f"port {self.broker_port}"
            elif key == "persistence_location":
                new = f"persistence_location {self.path('mosquitto')}/"
            elif key in ("pid_file",):
                new = f"pid_file {self.path('mosquitto/mosquitto.pid')}"
            elif key == "log_dest" and len(words) >= 2 and words[1] == "file":
                new = f"log_dest file {self.path('mosquitto/mosquitto.log')}"
            elif key == "password_file":
                new = f"password_file {self.path('passwd')}"
            elif key == "acl_file":
                new = f"acl_file {self.path('acl')}"
            elif key in ("certfile", "keyfile", "cafile"):
                cert = cert or self.self_signed()
                new = f"{key} {cert[key]}"
            elif key in ("capath", "crlfile", "dhparamfile", "include_dir"):
                new = "# (reliability: dropped) " + line
            elif key == "user":
                has_user = True
                new = "user root" if os.getuid() == 0 else line
            elif key == "allow_anonymous" and bridge_anonymous:
                new = "allow_anonymous true"
            if new != line:
                changed.append(f"{line.strip()}  ->  {new.strip()}")
            out.append(new)
        if os.getuid() == 0 and not has_user:
            out.append("user root")	# as root mosquitto would drop to "mosquitto", who cannot write here
            changed.append("+ user root")
        if "log_dest" not in " ".join(out):
            out.append("log_dest stderr")
        with open(self.path("mosquitto.conf"), "w") as f:
            f.write("\n".join(out) + "\n")
        self.write_passwords(users)
        self.write_acl(users, bridge_anonymous)
        say(f"broker config: {shipped} with {len(changed)} lines changed:")
        for c in changed:
            print("    " + c)
        autosave = [ln.strip() for ln in out if ln.strip().startswith("autosave")]
        say("broker persistence: " + (", ".join(autosave) or "mosquitto's defaults"))
        # What a kill -9 of the broker may lose of what it acknowledged, by its own settings
        # (docs/protocol.md, "Broker"): with autosave_on_changes, the changes since the last
        # save (fewer than autosave_interval); with a time-based save at most every second,
        # nothing the suite waited 2 s for; otherwise anything.
        conf = {ln.split()[0]: ln.split()[1] for ln in autosave if len(ln.split()) >= 2}
        interval = int(conf.get("autosave_interval", "1800"))
        if conf.get("autosave_on_changes") in ("true", "1", "yes"):
            self.save_bound = interval - 1
        else:
            self.save_bound = 0 if interval <= 1 else None

    def self_signed(self):
        """A throw-away certificate for a TLS listener of the shipped config."""
        key, crt = self.path("tls.key"), self.path("tls.crt")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", crt, "-days", "2", "-subj", "/CN=127.0.0.1"], capture_output=True, check=True)
        return {"certfile": crt, "keyfile": key, "cafile": crt}

    def write_passwords(self, users):
        """A password file with every user (one password for all) and cunbaod's password file."""
        pw = self.path("passwd")
        for i, u in enumerate(users):
            subprocess.run(["mosquitto_passwd", "-b"] + (["-c"] if i == 0 else []) + [pw, u, PASSWORD],
                           check=True, capture_output=True)
        os.chmod(pw, 0o600)
        with open(self.path("mqtt-password"), "w") as f:
            f.write(PASSWORD + "\n")

    def write_acl(self, users, bridge_anonymous):
        """The ACL: the shipped one's blocks for cunbaod and bridge-1 as they are (read at run
        time from systemd/mosquitto-cunbao.acl), and the suite's own accounts: an observer that
        reads everything, and apps (probe, poisoner, app-N) that report and read their receipts.
        cunbaod may write only its topics, so a Response Topic outside them is refused to it."""
        shipped = {}
        user = None
        with open(os.path.join(SRC, "systemd/mosquitto-cunbao.acl")) as f:
            for line in f:
                words = line.split()
                if not words or words[0].startswith("#"):
                    continue
                if words[0] == "user":
                    user = words[1]
                    shipped[user] = []
                elif user is not None:
                    shipped[user].append(" ".join(words))
        acl = []
        if bridge_anonymous:
            acl += ["# the bridge has no MQTT user key: it connects anonymously"] + shipped["bridge-1"]
        for u in ("cunbaod", "bridge-1"):
            acl += [f"user {u}"] + shipped[u]
        acl += ["user observer", "topic read cunbao/v1/#",
                "pattern write cunbao/v1/report/#", "pattern read cunbao/v1/receipt/%u"]
        with open(self.path("acl"), "w") as f:
            f.write("\n".join(acl) + "\n")

    def broker_start(self):
        """Starts (or restarts) mosquitto and waits for its port; exits 2 when it does not come up."""
        if not hasattr(self, "broker"):
            self.broker = Proc("mosquitto", ["/usr/sbin/mosquitto", "-c", self.path("mosquitto.conf")], self.dir)
        self.broker.start()
        if not wait_port(self.broker_port, 15):
            say("mosquitto did not start:\n" + self.broker.tail())
            sys.exit(2)

    # -- cunbaod
    def cunbaod_start(self, extra=()):
        """Starts (or restarts) cunbaod with extra flags and waits until it is connected."""
        if not hasattr(self, "cunbaod"):
            self.cunbaod_argv = [self.bin("daemon/cunbaod"), "-d",
                                 "--broker", f"127.0.0.1:{self.broker_port}",
                                 "--db", os.path.join(self.disk, "cunbao.db"),
                                 "--catalog", os.path.join(SRC, "schema/catalog.json"),
                                 "--areas", self.path("areas.csv"), "--reporters", self.path("reporters.csv"),
                                 "--mqtt-user", "cunbaod", "--mqtt-password-file", self.path("mqtt-password"),
                                 "--listen", "off", "--reconnect-max", "1s"]
            self.cunbaod = Proc("cunbaod", self.cunbaod_argv, self.dir)
        self.cunbaod.argv = self.cunbaod_argv + list(extra)
        self.cunbaod.start()
        if not self.cunbaod.wait_log("mqtt: connected", 30):
            FAILS.add("start", f"cunbaod (start {self.cunbaod.starts}) did not connect within 30 s:\n"
                      + self.cunbaod.tail())
            return False
        return True

    # -- the bridge, generic HTTP channel only
    def bridge_start(self):
        """Starts (or restarts) the bridge with only the generic channel and waits until it is connected."""
        if not hasattr(self, "bridge"):
            argv = [self.bin("bridge/cunbao-bridge"), "--broker", f"127.0.0.1:{self.broker_port}",
                    "--listen", f"127.0.0.1:{self.bridge_port}", "--spool", self.path("bridge.db"),
                    "--source", "bridge-1", "--kannel", "no", "--generic", "yes",
                    "--generic-secret", SECRET,
                    "--generic-reply-url", f"http://127.0.0.1:{self.gateway_port}/reply",
                    "--sms-gateway", "generic", "--rate-limit", "0", "--loop-repeat", "0",
                    "--republish-after", "1s", "--republish-max", "3s", "--retry-min", "200ms",
                    "--retry-max", "1s", "--send-timeout", "3s", "--confirm-wait", "4s"]
            if self.bridge_has_user:
                argv += ["--" + self.bridge_login[0], "bridge-1", "--" + self.bridge_login[1], self.path("mqtt-password")]
            self.bridge = Proc("bridge", argv, self.dir)
        self.bridge.start()
        if not (wait_port(self.bridge_port, 15) and self.bridge.wait_log("mqtt: connected", 30)):
            FAILS.add("start", f"the bridge (start {self.bridge.starts}) did not start:\n" + self.bridge.tail())
            return False
        return True

    def bridge_health(self):
        """The bridge's /healthz as a dict, or None."""
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.bridge_port, timeout=5)
            c.request("GET", "/healthz")
            r = c.getresponse()
            body = r.read()
            c.close()
            return json.loads(body) if r.status == 200 else None
        except (OSError, ValueError, http.client.HTTPException):
            return None


# ---------------------------------------------------------------- what was sent and seen

class Ledger:
    """Everything sent, receipted and replied, by id; shared by the sender threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = {}		# id -> (area, visits, issues, kind of sender: app | sms | poison | probe)
        self.receipts = {}	# id -> set of statuses seen (apps, from their own receipt topic)
        self.observed = {}	# id -> number of receipts the observer saw on receipt/#
        self.replies = {}	# sms id -> number of replies the gateway got
        self.reply_to = {}	# phone -> number of replies
        self.posted = set()	# sms ids the bridge answered 2xx
        self.published = set()	# ids published at least once (all but app reports at once)
        self.progress_at = now()

    def receipted_ids(self):
        with self.lock:
            return set(self.receipts) | set(self.observed)

    def touch(self):
        self.progress_at = now()


L = Ledger()


def sum_values(i, salt):
    """The figures of report i: visits 1..9, issues 0..2 (both `sum` fields of monitoring)."""
    h = int(hashlib.sha256(f"{salt}:{i}".encode()).hexdigest()[:8], 16)
    return 1 + h % 9, (h >> 8) % 3


class App:
    """An app: one MQTT client (user = source = app-k) sending reports with ids app-k:NNNNNNN,
    each published again every `retry` seconds and at once after a reconnect until its receipt
    arrives.  Keeps at most `window` reports unreceipted."""

    def __init__(self, k, world, ids, window=300, retry=4.0):
        self.name = f"app-{k}"
        self.world, self.todo, self.window, self.retry = world, list(ids), window, retry
        self.pending = {}		# id -> (topic, payload, last sent)
        self.lock = threading.Lock()
        self.c = mqtt.Client(client_id=f"rel-{self.name}", clean_session=True, protocol=mqtt.MQTTv311)
        self.c.username_pw_set(self.name, PASSWORD)
        self.c.max_inflight_messages_set(0)
        self.c.max_queued_messages_set(0)
        self.c.reconnect_delay_set(0.1, 1)
        self.c.on_connect = self.on_connect
        self.c.on_message = self.on_message
        self.c.connect_async("127.0.0.1", world.broker_port, keepalive=10)
        self.c.loop_start()

    def on_connect(self, c, _u, _f, rc):
        """Subscribes to the receipt topic and marks every pending report for publication at once."""
        if rc != 0:
            return
        c.subscribe(f"{ROOT}/receipt/{self.name}", qos=1)
        with self.lock:
            for i in self.pending:		# republish at once after reconnecting
                t, p, _ = self.pending[i]
                self.pending[i] = (t, p, 0.0)

    def on_message(self, _c, _u, msg):
        """Records a receipt by id and status; the report is no longer pending."""
        try:
            r = json.loads(msg.payload)
            mid, status = r["id"], r["status"]
        except (ValueError, KeyError, TypeError):
            FAILS.add("receipt", f"{self.name}: unreadable receipt {msg.payload[:200]!r}")
            return
        with self.lock:
            self.pending.pop(mid, None)
        with L.lock:
            L.receipts.setdefault(mid, set()).add(status)
        L.touch()

    def payload(self, mid):
        """The topic and JSON of report mid."""
        area, visits, issues, _ = L.sent[mid]
        return (f"{ROOT}/report/{area}",
                json.dumps({"id": mid, "source": self.name, "kind": "monitoring", "area": area,
                            "values": {"visits": visits, "issues": issues},
                            "reporter": self.world.owner[area]}))

    def step(self, quota):
        """Publishes what is due and up to quota new reports; returns (new ones published, True while
        something is unreceipted or unsent)."""
        t = now()
        new = 0
        with self.lock:
            while self.todo and len(self.pending) < self.window and new < quota:
                new += 1
                mid = self.todo.pop()
                L.published.add(mid)
                topic, p = self.payload(mid)
                self.pending[mid] = (topic, p, 0.0)
            due = [(i, v) for i, v in self.pending.items() if t - v[2] >= self.retry]
            for i, (topic, p, _) in due:
                self.pending[i] = (topic, p, t)
        for i, (topic, p, _) in due:
            self.c.publish(topic, p, qos=1)
        with self.lock:
            return new, bool(self.todo or self.pending)

    def close(self):
        self.c.disconnect()
        self.c.loop_stop()


class Observer:
    """A client that reads every receipt (user observer) and the retained rollups."""

    def __init__(self, world, topic, name):
        self.msgs = {}
        self.c = mqtt.Client(client_id=f"rel-{name}", clean_session=True, protocol=mqtt.MQTTv311)
        self.c.username_pw_set("observer", PASSWORD)
        self.c.reconnect_delay_set(0.1, 1)
        self.topic = topic
        self.c.on_connect = lambda c, u, f, rc: rc == 0 and c.subscribe(topic, qos=1)
        self.c.on_message = self.on_message
        self.c.connect_async("127.0.0.1", world.broker_port, keepalive=10)
        self.c.loop_start()

    def on_message(self, _c, _u, msg):
        """Records a receipt by id and status; the report is no longer pending."""
        if "/receipt/" in msg.topic:
            try:
                mid = json.loads(msg.payload)["id"]
            except (ValueError, KeyError, TypeError):
                return
            with L.lock:
                L.observed[mid] = L.observed.get(mid, 0) + 1
            L.touch()
        else:
            self.msgs[msg.topic] = msg.payload

    def close(self):
        self.c.disconnect()
        self.c.loop_stop()


def mqtt_publish_once(world, user, items, props=None, v5=False):
    """Publishes (topic, payload) items at QoS 1 as `user` and waits for every PUBACK; no retry.
    Returns the number acknowledged."""
    c = mqtt.Client(client_id=f"rel-{user}-{int(now() * 1000)}",
                    protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
                    **({} if v5 else {"clean_session": True}))
    c.username_pw_set(user, PASSWORD)
    c.max_inflight_messages_set(0)
    c.connect("127.0.0.1", world.broker_port, keepalive=10)
    c.loop_start()
    infos = [c.publish(t, p, qos=1, properties=props) if v5 else c.publish(t, p, qos=1) for t, p in items]
    acked = 0
    for info in infos:
        try:
            info.wait_for_publish(timeout=10)
        except (RuntimeError, ValueError):
            pass
        acked += info.is_published()
    c.disconnect()
    c.loop_stop()
    return acked


# ---------------------------------------------------------------- the SMS side

class Gateway(http.server.ThreadingHTTPServer):
    """The fake SMS gateway's reply endpoint: counts the bridge's replies per message id."""
    daemon_threads = True
    allow_reuse_address = True


def sign(stamp, body):
    """The generic channel's signature (docs/bridge.md): HMAC-SHA256 of "<T>.<body>"."""
    return "sha256=" + hmac.new(SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def post_signed(port, path, body, timeout=10):
    """POSTs body to the bridge, signed with a fresh timestamp; returns the status (0: no answer)."""
    stamp = str(int(time.time()))
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        c.request("POST", path, body, {"Content-Type": "application/json",
                                       "X-Cunbao-Timestamp": stamp,
                                       "X-Cunbao-Signature": sign(stamp, body)})
        r = c.getresponse()
        r.read()
        c.close()
        return r.status
    except (OSError, http.client.HTTPException):
        return 0


def delivery_report(mid):
    """Confirms a reply the gateway took (POST /sms/report), retried until the bridge answers < 500."""
    body = json.dumps({"id": mid, "status": "sent"}).encode()
    delay = 0.1
    while not STOP.is_set():
        st = post_signed(BRIDGE["port"], "/sms/report", body, timeout=5)
        if 0 < st < 500:
            if st >= 300:
                FAILS.add("reply", f"the bridge refused the delivery report of {mid} with {st}")
            return
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


BRIDGE = {"port": 0}	# where delivery reports go (set once the bridge's port is known)


class GatewayHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        """Checks the signature, counts the reply by message id and phone, answers 200, then
        confirms it with a delivery report, as docs/bridge.md asks a gateway to.  Replies are
        counted as they come, not deduplicated by Idempotency-Key: two are a failure."""
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        stamp = self.headers.get("X-Cunbao-Timestamp", "")
        if not hmac.compare_digest(self.headers.get("X-Cunbao-Signature", ""), sign(stamp, body)):
            FAILS.add("reply", f"a reply with a bad signature: {body[:200]!r}")
        try:
            r = json.loads(body)
            mid, to = r["id"], r["to"]
        except (ValueError, KeyError, TypeError):
            FAILS.add("reply", f"an unreadable reply: {body[:200]!r}")
            mid, to = None, None
        if mid is not None:
            with L.lock:
                L.replies[mid] = L.replies.get(mid, 0) + 1
                L.reply_to[to] = L.reply_to.get(to, 0) + 1
            L.touch()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        if mid is not None:
            threading.Thread(target=delivery_report, args=(mid,), daemon=True).start()

    def log_message(self, *a):
        pass


def sms_send(world, gwid, phone, text):
    """POSTs one SMS to the bridge until it answers 2xx (the gateway's retry, signed afresh each
    time); the same id each time."""
    body = json.dumps({"from": phone, "text": text, "id": gwid}, ensure_ascii=False).encode()
    delay = 0.1
    while not STOP.is_set():
        st = post_signed(world.bridge_port, "/sms/incoming", body)
        if 200 <= st < 300:
            with L.lock:
                L.posted.add("http:" + gwid)
                L.published.add("http:" + gwid)
            return
        if st in (400, 401, 403, 404, 413, 415):
            FAILS.add("sms", f"the bridge refused {gwid} with {st}")
            return
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


STOP = threading.Event()


# ---------------------------------------------------------------- checks

def db_open(world):
    db = sqlite3.connect(f"file:{os.path.join(world.disk, 'cunbao.db')}?mode=ro", uri=True, timeout=30)
    return db


def journal_counts(world):
    db = db_open(world)
    rows = dict(db.execute("SELECT msg_id, count(*) FROM journal WHERE msg_id IS NOT NULL GROUP BY msg_id"))
    db.close()
    return rows


def journal_has(world, mid):
    """Journal rows of one id (0 when the database cannot be read yet)."""
    try:
        db = db_open(world)
        n = db.execute("SELECT count(*) FROM journal WHERE msg_id = ?", (mid,)).fetchone()[0]
        db.close()
        return n
    except sqlite3.Error:
        return 0


def check_receipts_stored(world, when):
    """No receipt for what was not committed: every id receipted so far has a journal row."""
    seen = L.receipted_ids()
    try:
        rows = journal_counts(world)
    except sqlite3.Error as e:
        FAILS.add("receipt-before-commit", f"{when}: cannot read the journal: {e}")
        return
    missing = sorted(i for i in seen if i not in rows)
    if missing:
        FAILS.add("receipt-before-commit", f"{when}: {len(missing)} ids were receipted but are not in "
                  f"the journal: {', '.join(missing[:10])}")
    else:
        say(f"{when}: all {len(seen)} receipted ids are in the journal")


def expected_sums(world, lost_probes=()):
    """Recomputes the `sum` rollups of monitoring from what was sent: area -> (visits, issues).
    Probe reports the broker lost are left out: they fail the broker-crash check."""
    exp = {}
    for mid, (area, visits, issues, who) in L.sent.items():
        if who not in ("app", "sms", "probe") or mid not in L.published or mid in lost_probes:
            continue
        parts = area.split("/")
        for d in range(1, len(parts) + 1):
            a = "/".join(parts[:d])
            v, i = exp.get(a, (0, 0))
            exp[a] = (v + visits, i + issues)
    return exp


def db_sums(world):
    """The `sum` rollups of monitoring in the database, every period added: area -> (visits, issues)."""
    db = db_open(world)
    got = {}
    for area, field, s in db.execute("SELECT area, field, sum(sum) FROM rollups WHERE kind = 'monitoring' "
                                     "AND field IN ('visits', 'issues') GROUP BY area, field"):
        v, i = got.get(area, (0, 0))
        got[area] = (s, i) if field == "visits" else (v, s)
    db.close()
    return got


def check_db_rollups(world, exp):
    """Compares the database's sum rollups with exp; returns how many areas agree."""
    got = db_sums(world)
    bad = [f"{a}: stored visits={got.get(a, (0, 0))[0]} issues={got.get(a, (0, 0))[1]}, "
           f"sent visits={e[0]} issues={e[1]}" for a, e in sorted(exp.items()) if got.get(a, (0, 0)) != e]
    if bad:
        FAILS.add("sum-rollup", f"{len(bad)} of {len(exp)} areas' sum rollups differ from what was sent: "
                  + "; ".join(bad[:8]))
    return len(exp) - len(bad)


def retained_sums(world, prefixes):
    """Reads the retained monitoring rollups (every period, not `current`) of the areas under prefixes."""
    obs = Observer(world, f"{ROOT}/rollup/#", "rollups")
    time.sleep(2.5)
    obs.close()
    got = {}
    for topic, payload in obs.msgs.items():
        rest = topic[len(ROOT) + len("/rollup/"):].split("/")
        if len(rest) < 3 or rest[-2] != "monitoring" or rest[-1] == "current" or rest[0] not in prefixes:
            continue
        area = "/".join(rest[:-2])
        try:
            vals = json.loads(payload)["values"]
        except (ValueError, KeyError, TypeError):
            continue
        v, i = got.get(area, (0, 0))
        got[area] = (v + int(vals.get("visits", 0)), i + int(vals.get("issues", 0)))
    return got, obs.msgs


def check_retained_rollups(world, exp, last_area=None):
    """Compares the retained sum rollups with exp (polling up to 20 s, they lag their commit)."""
    deadline = now() + 20
    while True:
        got, msgs = retained_sums(world, {"rel", "px"})
        bad = [(f"{a}: retained visits={got[a][0]} issues={got[a][1]}" if a in got else f"{a}: no retained rollup")
               + f", sent visits={e[0]} issues={e[1]}" for a, e in sorted(exp.items()) if got.get(a, (0, 0)) != e]
        if not bad or now() > deadline:
            break
        time.sleep(1)
    if bad:
        nbad = len(bad)
        stored = db_sums(world)
        right = sum(1 for a, e in exp.items() if got.get(a, (0, 0)) != e and stored.get(a) == e)
        if right:
            bad.insert(0, f"in {right} of them the database has the right figures: the retained rollup "
                       "was not published again")
        FAILS.add("retained-rollup", f"{nbad} of {len(exp)} areas' retained sum rollups differ from "
                  f"what was sent ({len(msgs)} retained rollup topics read): " + "; ".join(bad[:8])
                  + (f" ({last_area} got a report just before the last cunbaod kill -9)" if last_area else ""))


def count_connects(proc):
    return proc.text().count("mqtt: connected")


# ---------------------------------------------------------------- the run

class Run:
    def __init__(self, args):
        self.a = args
        self.w = World(args)
        self.events = []
        self.expected_connects = 0
        self.figures = {}

    def setup(self):
        """Roster, broker config, tmpfs, gateway, servers, and every id to send with its figures."""
        a, w = self.a, self.w
        # The bridge's MQTT login keys, if it has them (`--mqtt-user`, `--mqtt-password-file`, ...).
        keys = re.findall(r"^\s*--(mqtt-[a-z-]+)", subprocess.run(
            [w.bin("bridge/cunbao-bridge"), "--help"], capture_output=True, text=True).stdout, re.M)
        user = [k for k in keys if k.startswith("mqtt-user")]
        pwfile = [k for k in keys if k.startswith("mqtt-pass") and k.endswith("file")]
        w.bridge_login = (user[0], pwfile[0]) if user and pwfile else None
        w.bridge_has_user = w.bridge_login is not None
        if not w.bridge_has_user:
            say("cunbao-bridge has no MQTT user and password-file keys: the broker lets it connect "
                "anonymously (allow_anonymous true; every other client logs in)")
        ngroups = 40 if a.mode == "short" else 200
        w.roster(ngroups, a.sms)
        users = ["cunbaod", "bridge-1", "observer", "poisoner", "probe"] + [f"app-{k}" for k in range(a.apps)]
        w.broker_config(users, not w.bridge_has_user)
        self.disk_ok = not a.no_disk_full and w.mount_disk(a.disk)
        BRIDGE["port"] = w.bridge_port
        gw = Gateway(("127.0.0.1", w.gateway_port), GatewayHandler)
        threading.Thread(target=gw.serve_forever, daemon=True).start()
        self.gateway = gw
        w.broker_start()
        if not (w.cunbaod_start() and w.bridge_start()):
            self.finish_early("start")
        self.expected_connects = 1
        self.observer = Observer(w, f"{ROOT}/receipt/#", "observer")

        # What will be sent: app reports over the groups, one SMS per leader.
        self.apps_ids = [[] for _ in range(a.apps)]
        for i in range(a.reports):
            k = i % a.apps
            mid = f"app-{k}:{i:07d}"
            v, s = sum_values(i, "app")
            L.sent[mid] = (w.groups[(i * 37) % len(w.groups)], v, s, "app")
            self.apps_ids[k].append(mid)
        for k in range(a.apps):
            self.apps_ids[k].reverse()		# popped from the end: sent in order
        self.sms = []
        for j, (phone, g) in enumerate(w.leaders):
            v, s = sum_values(j, "sms")
            gwid = f"gw-{j:06d}"
            L.sent["http:" + gwid] = (g, v, s, "sms")
            self.sms.append((gwid, phone, f"监测 入户{v} 问题{s}"))

    def finish_early(self, why):
        say(f"stopped early: {why}")
        self.report()
        sys.exit(1)

    def progress(self):
        return self.app_progress()

    # ---- events

    def ev_kill_cunbaod(self, n):
        """kill -9 of cunbaod, the receipts seen so far checked against the journal, a restart."""
        w = self.w
        w.cunbaod.kill9()
        time.sleep(0.3)		# receipts already on their way arrive
        check_receipts_stored(w, f"after cunbaod kill -9 #{n}")
        time.sleep(random.uniform(0.1, 1.0))
        w.cunbaod_start()
        self.expected_connects += 1

    def ev_kill_after_commit(self):
        """One more report, and cunbaod killed as soon as it is in the journal, before the group's
        rollup is due (leaf-rollup-interval): after the restart the retained rollup must still
        come to count it."""
        w = self.w
        area = w.groups[-1]
        mid = "last:000001"
        L.sent[mid] = (area, 5, 1, "probe")
        L.published.add(mid)
        mqtt_publish_once(w, "probe", [(f"{ROOT}/report/{area}", json.dumps(
            {"id": mid, "source": "probe", "kind": "monitoring", "area": area,
             "values": {"visits": 5, "issues": 1}, "reporter": w.owner[area]}))])
        t0 = now()
        while now() - t0 < 30 and journal_has(w, mid) == 0:
            time.sleep(0.005)
        w.cunbaod.kill9()
        say(f"cunbaod kill -9 {now() - t0:.2f} s after publishing {mid} for {area} (stored: "
            f"{journal_has(w, mid) == 1})")
        self.last_area = area
        w.cunbaod_start()
        self.expected_connects += 1

    def ev_kill_bridge(self, n):
        """kill -9 of the bridge mid-stream and a restart (the gateway retries meanwhile)."""
        w = self.w
        w.bridge.kill9()
        say(f"bridge kill -9 #{n}")
        time.sleep(random.uniform(0.2, 1.5))
        w.bridge_start()

    def ev_broker_crash(self, n):
        """Probe reports the broker acknowledged while cunbaod was away, then kill -9 of the broker:
        they must be stored in the end, though nobody retries them."""
        w = self.w
        w.cunbaod.kill9()
        check_receipts_stored(w, f"before broker kill -9 #{n} (cunbaod killed)")
        items = []
        for j in range(self.a.probes):
            mid = f"probe:{n}:{j:05d}"
            area = w.groups[j % len(w.groups)]
            v, s = sum_values(j, f"probe{n}")
            L.sent[mid] = (area, v, s, "probe")
            L.published.add(mid)
            items.append((f"{ROOT}/report/{area}", json.dumps(
                {"id": mid, "source": "probe", "kind": "monitoring", "area": area,
                 "values": {"visits": v, "issues": s}, "reporter": w.owner[area]})))
        acked = mqtt_publish_once(w, "probe", items)
        time.sleep(2.0)		# an honest broker has had time to write what it acknowledged
        w.broker.kill9()
        say(f"broker kill -9 #{n}: {acked} of {len(items)} probe reports acknowledged by the broker before it died")
        if acked != len(items):
            FAILS.add("broker-crash", f"the broker acknowledged only {acked} of {len(items)} probe reports")
        time.sleep(0.5)
        w.broker_start()
        w.cunbaod_start()
        self.expected_connects += 2	# the restart, and reconnecting to the new broker is the same connect
        self.probe_batches.append([json.loads(p)["id"] for _, p in items])

    def ev_disk_full(self, n):
        """Fills the database's filesystem with a ballast file, keeps it full while senders go on,
        then deletes the ballast and checks that ingest resumes."""
        w = self.w
        ballast = os.path.join(w.disk, "ballast")
        before = len(L.receipted_ids())
        written = 0
        try:
            fd = os.open(ballast, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        except OSError as e:
            FAILS.add("disk-full", f"cannot create the ballast file {ballast}: {e}")
            return
        for size in (1 << 20, 4096, 512):	# the last crumbs in smaller pieces
            try:
                while True:
                    written += os.write(fd, b"\0" * size)
            except OSError:
                pass
        os.close(fd)
        at_full = len(L.receipted_ids())
        say(f"disk full: ballast {written >> 20} MiB, free {shutil.disk_usage(w.disk).free} bytes")
        time.sleep(self.a.full_seconds)
        during = len(L.receipted_ids())
        connects_full = count_connects(w.cunbaod)
        os.unlink(ballast)
        say(f"disk freed: {during - at_full} receipts while full ({at_full - before} while filling), "
            f"cunbaod connects while full: {connects_full - self.connects_before_full}")
        self.storm_during_full = connects_full - self.connects_before_full
        check_receipts_stored(w, "after the disk was full")
        t0 = now()
        while now() - t0 < 60 and len(L.receipted_ids()) <= during + 10:
            time.sleep(0.2)
        if len(L.receipted_ids()) <= during + 10 and self.unfinished():
            FAILS.add("disk-full", "ingest did not resume within 60 s after the disk was freed")
        else:
            say(f"disk freed: ingest resumed after {now() - t0:.1f} s")

    def ev_poison(self, n):
        """Reports whose MQTT 5 Response Topic names topics cunbaod may not write."""
        w = self.w
        for rt in ("$SYS/x", f"{ROOT}/denied/x"):
            props = Properties(PacketTypes.PUBLISH)
            props.ResponseTopic = rt
            props.CorrelationData = b"poison"
            items = []
            for j in range(self.a.poison):
                mid = f"poison:{rt.replace('$', 'S').replace('/', '.')}:{j:03d}"
                L.sent[mid] = ("px/p1/g01", 1, 0, "poison")
                L.published.add(mid)
                items.append((f"{ROOT}/report/px/p1/g01", json.dumps(
                    {"id": mid, "source": "poisoner", "kind": "monitoring", "area": "px/p1/g01",
                     "values": {"visits": 1, "issues": 0}, "reporter": "+8613700000001"})))
            acked = mqtt_publish_once(w, "poisoner", items, props, v5=True)
            say(f"poison: {acked} reports with Response Topic {rt}")
        # Honest senders must go on getting receipts (and cunbaod must not reconnect over and over).
        before, connects = len(L.receipted_ids()), count_connects(w.cunbaod)
        t0 = now()
        while now() - t0 < 20 and len(L.receipted_ids()) < before + 50 and self.unfinished():
            time.sleep(0.2)
        got = len(L.receipted_ids()) - before
        storm = count_connects(w.cunbaod) - connects
        if got < 50 and self.unfinished():
            FAILS.add("poison", f"after {2 * self.a.poison} reports with a poisoned Response Topic, ingest "
                      f"stopped: {got} receipts in 20 s, cunbaod connected {storm} times; the run ends here")
            self.abort = "poison"
        else:
            say(f"poison: ingest goes on ({got} receipts in {now() - t0:.1f} s, {storm} reconnects)")

    def schedule(self):
        """The events in the order they happen, spread evenly over 8% .. 92% of the app reports
        receipted: cunbaod kills evenly, the others between them; a cunbaod kill always follows
        the poisoned reports (its restart must be clean)."""
        a = self.a
        ev = [((n + 1) / (a.kills + 1), "cunbaod kill -9", self.ev_kill_cunbaod, n + 1) for n in range(a.kills)]
        ev += [((n + 0.6) / a.bridge_kills, "bridge kill -9", self.ev_kill_bridge, n + 1)
               for n in range(a.bridge_kills)]
        ev += [((n + 0.75) / (a.broker_kills + 0.5), "broker kill -9", self.ev_broker_crash, n + 1)
               for n in range(a.broker_kills)]
        if self.disk_ok:
            ev.append((0.35, "disk full", self.ev_disk_full, 1))
        if not a.no_poison:
            ev.append((0.55 if a.kills else 0.9, "poisoned Response Topic", self.ev_poison, 1))
        ev.sort(key=lambda e: e[0])
        n = len(ev)
        return [(0.08 + 0.84 * i / max(1, n - 1), name, fn, k) for i, (_, name, fn, k) in enumerate(ev)]

    def unfinished(self):
        with L.lock:
            done = set(L.receipts) | set(L.observed)
        return any(mid not in done for mid, v in L.sent.items() if v[3] == "app") or \
            any(self.sms_pending())

    def sms_pending(self):
        with L.lock:
            return [g for g, _, _ in self.sms if "http:" + g not in L.replies]

    def run(self):
        """Sends everything, runs the events as the stream passes their thresholds, then lets it settle."""
        a, w = self.a, self.w
        self.probe_batches = []
        self.storm_during_full = None
        self.abort = None
        apps = [App(k, w, self.apps_ids[k]) for k in range(a.apps)]
        events = self.schedule()
        say(f"sending {a.reports} app reports ({a.apps} apps) and {len(self.sms)} SMS; events: "
            + ", ".join(f"{e[1]} at {e[0]:.0%}" for e in events))

        # SMS go out spread over the run: message j waits until the apps are j/M of the way.
        sms_q = list(self.sms)
        sms_lock = threading.Lock()

        def sms_worker():
            """Sends the SMS one by one, each when the app stream is far enough, retrying until 2xx."""
            while not STOP.is_set():
                with sms_lock:
                    if not sms_q:
                        return
                    j = len(self.sms) - len(sms_q)
                    gwid, phone, text = sms_q.pop(0)
                while not STOP.is_set() and self.app_progress() < 0.85 * j / max(1, len(self.sms)):
                    time.sleep(0.05)
                sms_send(w, gwid, phone, text)

        self.app_total = a.reports
        workers = [threading.Thread(target=sms_worker, daemon=True) for _ in range(6)]
        for t in workers:
            t.start()
        t0 = now()
        L.touch()
        sending = threading.Event()
        sending.set()

        def app_sender():
            """Steps the apps at the configured rate while the main thread runs the events."""
            started = 0
            while not STOP.is_set():
                busy = False
                quota = int(a.rate * (now() - t0)) - started
                for app in apps:
                    n, more = app.step(max(0, quota) // len(apps) + 1 if quota > 0 else 0)
                    started += n
                    busy |= more
                if not busy:
                    break
                time.sleep(0.02)
            sending.clear()

        sender = threading.Thread(target=app_sender, daemon=True)
        sender.start()
        while True:
            while events and self.progress() >= events[0][0]:
                frac, name, fn, n = events.pop(0)
                say(f"{now() - t0:6.1f} s, {self.progress():.0%} receipted: {name} #{n}")
                if name == "disk full":
                    self.connects_before_full = count_connects(w.cunbaod)
                fn(n)
                L.touch()
            if not sending.is_set() and not any(t.is_alive() for t in workers) and not events:
                break
            if self.abort:
                break
            if now() - L.progress_at > a.stall:
                FAILS.add("stall", f"no receipt and no reply for {a.stall} s: "
                          f"{self.describe_pending(apps)}; {w.disk_state()}; cunbaod log:\n{w.cunbaod.tail(15)}")
                self.abort = "stall"
                break
            time.sleep(0.05)
        self.elapsed = now() - t0
        if a.kills and not self.abort:
            self.ev_kill_after_commit()
        # Settle: every SMS has its reply and the bridge has nothing waiting (a reply cut short by a
        # kill is repeated after send-timeout + confirm-wait, and would show up as a double).
        end = now() + (0 if self.abort else 60)
        while now() < end:
            h = w.bridge_health()
            if h and not self.sms_pending() and h.get("inbound_waiting") == 0 and h.get("replies_pending") == 0:
                break
            time.sleep(0.3)
        time.sleep(2.0)
        STOP.set()
        for app in apps:
            app.close()
        self.pending_desc = self.describe_pending(apps)

    def app_progress(self):
        with L.lock:
            n = len(L.receipts)
        return n / max(1, self.app_total)

    def describe_pending(self, apps):
        """What is still unreceipted or unreplied, for a stall's message."""
        miss = [i for app in apps for i in list(app.pending)[:3]] if apps else []
        with L.lock:
            n = len(L.receipts)
        return (f"{n} of {self.app_total} app reports receipted (e.g. unreceipted {', '.join(miss[:6]) or '-'}), "
                f"{len(self.sms) - len(self.sms_pending())} of {len(self.sms)} SMS replied")

    # ---- the end

    def check(self):
        """The checks at the end: journal, rollups, replies, probes, poison, integrity, reconnects; fills the figures."""
        w = self.w
        check_receipts_stored(w, "at the end")
        rows = journal_counts(w)
        lost_probes = {i for b in self.probe_batches for i in b if rows.get(i, 0) == 0}
        skip = set(lost_probes)
        if self.abort:		# what still waits for a wedged cunbaod is not in its sums yet
            receipted = L.receipted_ids()
            skip |= {i for i in L.sent if rows.get(i, 0) == 0 and i not in receipted}
        exp = expected_sums(w, skip)
        if not self.abort:
            check_retained_rollups(w, exp, getattr(self, "last_area", None))
        self.connects = count_connects(w.cunbaod)
        rc_bridge = w.bridge.term()
        rc_cunbaod = w.cunbaod.term()
        if rc_cunbaod != 0:
            FAILS.add("shutdown", f"cunbaod exited {rc_cunbaod} on SIGTERM:\n{w.cunbaod.tail(10)}")
        if rc_bridge != 0:
            FAILS.add("shutdown", f"the bridge exited {rc_bridge} on SIGTERM:\n{w.bridge.tail(10)}")
        rows = journal_counts(w)
        db = db_open(w)
        integrity = [r[0] for r in db.execute("PRAGMA integrity_check")]
        # Poisoned reports may be refused (that is one way to fix them); every other message is valid.
        status = dict(db.execute("SELECT status, count(*) FROM journal WHERE msg_id NOT LIKE 'poison:%' "
                                 "GROUP BY status"))
        db.close()
        if integrity != ["ok"]:
            FAILS.add("integrity", "PRAGMA integrity_check: " + "; ".join(integrity[:5]))

        f = self.figures
        honest = [i for i, v in L.sent.items() if v[3] in ("app", "sms", "probe") and i in L.published]
        f["never sent (run cut short)"] = len([i for i in L.sent if i not in L.published])
        f["sent"] = len(honest)
        receipted = L.receipted_ids()
        f["receipted"] = len([i for i in honest if i in receipted])
        f["stored"] = len([i for i in honest if rows.get(i, 0) >= 1])
        lost = sorted(i for i in honest if rows.get(i, 0) == 0 and i not in lost_probes)
        if self.abort:		# what waits for a wedged cunbaod is unfinished, not lost
            f["unfinished (no receipt yet)"] = len([i for i in lost if i not in receipted])
            lost = [i for i in lost if i in receipted]
        double = sorted(i for i in L.sent if rows.get(i, 0) > 1)
        f["lost"], f["double"] = len(lost), len(double)
        if lost:
            by = {}
            for i in lost:
                by.setdefault(L.sent[i][3], []).append(i)
            for who, ids in sorted(by.items()):
                FAILS.add("lost", f"{len(ids)} {who} ids have no journal row: {', '.join(ids[:10])}")
        if double:
            FAILS.add("double", f"{len(double)} ids have more than one journal row: "
                      + ", ".join(f"{i} ({rows[i]} rows)" for i in double[:10]))
        unsent = sorted(i for i in rows if i not in L.sent)
        if unsent:
            FAILS.add("journal", f"{len(unsent)} journal ids were never sent: {', '.join(unsent[:10])}")
        rejected = status.get("rejected", 0)
        if rejected:
            db = db_open(w)
            ex = list(db.execute("SELECT msg_id, error, detail FROM journal WHERE status = 'rejected' "
                                 "AND msg_id NOT LIKE 'poison:%' LIMIT 5"))
            db.close()
            FAILS.add("rejected", f"{rejected} messages were rejected (all were valid): {ex}")

        sms_ids = ["http:" + g for g, _, _ in self.sms]
        f["sms"] = len(sms_ids)
        f["replies"] = sum(L.replies.values())
        no_reply = [i for i in sms_ids if L.replies.get(i, 0) == 0]
        two = [i for i in sms_ids if L.replies.get(i, 0) > 1]
        f["sms without reply"], f["sms with 2+ replies"] = len(no_reply), len(two)
        if no_reply and not self.abort:
            FAILS.add("one-reply", f"{len(no_reply)} SMS got no reply: {', '.join(no_reply[:10])}")
        if two:
            FAILS.add("one-reply", f"{len(two)} SMS got more than one reply: "
                      + ", ".join(f"{i} ({L.replies[i]} replies)" for i in two[:10]))
        leaders_bad = [p for p, _ in w.leaders if L.reply_to.get(p, 0) != 1]
        f["leaders with exactly one reply"] = len(w.leaders) - len(leaders_bad)
        stray = sorted(i for i in L.replies if i not in L.sent)
        if stray:
            FAILS.add("one-reply", f"replies for ids never sent: {', '.join(stray[:10])}")

        probes = [i for b in self.probe_batches for i in b]
        f["broker-acked probes"] = len(probes)
        f["probes stored"] = len([i for i in probes if rows.get(i, 0) >= 1])
        bound = w.save_bound
        for n, batch in enumerate(self.probe_batches, 1):
            lost = [i for i in batch if rows.get(i, 0) == 0]
            if lost and (bound is None or len(lost) > bound):
                FAILS.add("broker-crash", f"broker kill -9 #{n}: {len(lost)} of {len(batch)} reports the broker "
                          "had acknowledged were never delivered to cunbaod (nobody retried them; the broker's "
                          f"settings allow {'any' if bound is None else bound}): " + ", ".join(lost[:10]))
            elif lost:
                say(f"broker kill -9 #{n}: {len(lost)} of {len(batch)} acknowledged probe reports lost, within the "
                    f"broker's save bound of {bound} changes (a sender's retry recovers such a message)")

        poison = [i for i, v in L.sent.items() if v[3] == "poison"]
        f["poisoned reports"] = len(poison)
        f["poisoned journaled once"] = len([i for i in poison if rows.get(i, 0) == 1])
        if poison and f["poisoned journaled once"] != len(poison):
            FAILS.add("poison", f"{len(poison) - f['poisoned journaled once']} of {len(poison)} reports with a "
                      "poisoned Response Topic were not journaled exactly once: "
                      + ", ".join(i for i in poison if rows.get(i, 0) != 1)[:400])

        f["sum rollups checked"] = check_db_rollups(w, exp)
        f["cunbaod kills"] = self.a.kills
        f["bridge kills"] = self.a.bridge_kills
        f["broker kills"] = self.a.broker_kills
        f["disk full"] = "yes" if self.disk_ok else "skipped"
        f["cunbaod connects"] = self.connects
        # A connect per start and per broker restart, a little slack for a reconnect that races a kill.
        allowed = self.expected_connects + 3 + self.a.kills // 5
        if self.connects > allowed:
            FAILS.add("reconnect-storm", f"cunbaod connected {self.connects} times, expected at most {allowed} "
                      f"({self.expected_connects} starts and broker restarts)"
                      + (f"; {self.storm_during_full} while the disk was full" if self.storm_during_full else ""))
        f["elapsed s"] = round(self.elapsed, 1)
        if self.abort:
            say(f"the run was cut short ({self.abort}): what was not sent yet is not counted")

    def report(self):
        """Prints the figures and the names of the failed checks."""
        say("figures:")
        for k, v in self.figures.items():
            print(f"    {k:32} {v}")
        if FAILS.items:
            say(f"{len(FAILS.items)} checks FAILED: " + ", ".join(sorted({c for c, _ in FAILS.items})))
        else:
            say("all checks passed")


def main():
    """Parses the options, runs the suite, exits 1 on any failed check."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--short", dest="mode", action="store_const", const="short", default="short",
                   help="a few thousand reports, a few crashes of each kind: CI (the default)")
    p.add_argument("--long", dest="mode", action="store_const", const="long",
                   help="10^5 reports, 20 kill -9 of cunbaod, 2 broker crashes")
    p.add_argument("--build", default=os.path.join(SRC, "build"), help="build tree (default: ./build)")
    p.add_argument("--keep", action="store_true", help="keep the scratch directory (logs, databases)")
    p.add_argument("--seed", type=int, default=None)
    for k in ("reports", "sms", "kills", "bridge_kills", "broker_kills", "apps", "rate", "stall"):
        p.add_argument("--" + k.replace("_", "-"), type=int, default=None)
    p.add_argument("--probes", type=int, default=500, help="reports published only once before a broker crash")
    p.add_argument("--poison", type=int, default=10, help="poisoned reports per Response Topic")
    p.add_argument("--full-seconds", type=float, default=4.0, help="how long the disk stays full")
    p.add_argument("--broker-conf", help="another mosquitto config to start from (default: the shipped "
                   "systemd/mosquitto-cunbao.conf)")
    p.add_argument("--no-disk-full", action="store_true")
    p.add_argument("--no-poison", action="store_true")
    a = p.parse_args()
    m = MODES[a.mode]
    for k, v in m.items():
        if getattr(a, k, None) is None:
            setattr(a, k, v)
    seed = a.seed if a.seed is not None else int(time.time())
    random.seed(seed)
    say(f"mode {a.mode}, seed {seed}")
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, lambda *_: sys.exit(130))

    r = Run(a)
    r.setup()
    r.run()
    r.check()
    r.report()
    sys.exit(1 if FAILS.items else 0)


if __name__ == "__main__":
    main()
