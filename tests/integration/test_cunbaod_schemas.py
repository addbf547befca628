#!/usr/bin/env python3
"""Checks captured MQTT payloads against schema/mqtt/*.schema.json.

Usage: test_cunbaod_schemas.py SCHEMA_DIR CAPTURE
CAPTURE holds one message a line: "<topic> <payload>" (mosquitto_sub -v).
Every schema's own examples are checked too.  Exit 0 when everything
conforms, 1 otherwise (each failure printed), 77 when jsonschema is missing.
"""
import json
import pathlib
import sys

try:
    from jsonschema import Draft202012Validator
except ImportError:
    sys.exit(77)
try:  # jsonschema >= 4.18
    from referencing import Registry, Resource
except ImportError:  # Debian 12's jsonschema 4.10: a RefResolver with a store
    Registry = Resource = None
    from jsonschema import RefResolver

SCHEMA_OF = {"inbox": "envelope", "report": "report", "receipt": "receipt", "outbox": "outbox",
             "rollup": "rollup", "completeness": "completeness", "status": "status",
             "meta": "meta"}


def main():
    schema_dir, capture = pathlib.Path(sys.argv[1]), sys.argv[2]
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in schema_dir.glob("*.schema.json")]
    base = docs[0]["$id"].rsplit("/", 1)[0]
    if Registry is not None:
        registry = Registry().with_resources((d["$id"], Resource.from_contents(d)) for d in docs)

        def validator(name):
            return Draft202012Validator({"$ref": f"{base}/{name}.schema.json"}, registry=registry)
    else:
        store = {d["$id"]: d for d in docs}

        def validator(name):
            schema = store[f"{base}/{name}.schema.json"]
            return Draft202012Validator(schema, resolver=RefResolver(base + "/", schema, store=store))

    checked = bad = 0
    metas = set()
    for doc in docs:
        name = doc["$id"].rsplit("/", 1)[1].split(".")[0]
        for example in doc.get("examples", []):
            checked += 1
            for e in validator(name).iter_errors(example):
                bad += 1
                print(f"{name} example: {e.message}")
    with open(capture, encoding="utf-8", errors="replace") as f:
        for line in f:
            topic, _, payload = line.rstrip("\n").partition(" ")
            parts = topic.split("/")
            kind = SCHEMA_OF.get(parts[2] if len(parts) > 2 else "")
            if kind == "meta":  # <root>/meta/area/..., <root>/meta/kind/...
                kind = "meta-" + parts[3] if len(parts) > 3 else None
                metas.add(kind)
            try:
                obj = json.loads(payload)
            except ValueError:
                continue  # the malformed input the tests send on purpose
            if kind is None or not isinstance(obj, dict):
                continue
            checked += 1
            for e in validator(kind).iter_errors(obj):
                bad += 1
                print(f"{topic}: {e.message}: {payload[:200]}")
    for name in ("meta-area", "meta-kind"):
        if name not in metas:  # cunbaod publishes both on connect
            bad += 1
            print(f"no {name} payload captured")
    print(f"{checked} payloads checked, {bad} problems")
    sys.exit(1 if bad or checked == 0 else 0)


main()
