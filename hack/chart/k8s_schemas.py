"""Prepares kubeconform's offline schemas.

    python k8s_schemas.py SRC_DIR OUT_DIR

SRC_DIR is a `v<version>-local-strict` folder of PyPI's kubernetes-validate (one JSON schema
per kind, strict: no unknown fields). Its references point at `/api/_definitions.json`, a path
that only exists inside kubernetes-validate's own loader; they are rewritten to the file in
OUT_DIR, which kubeconform then reads by absolute path. Run by hack/chart/install-tools.
"""
import json
import os
import sys

REF_PREFIX = "/api/_definitions.json"


def rewrite(node, target):
    """Returns node with every $ref into the definitions file pointed at target."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(REF_PREFIX):
                out[key] = target + value[len(REF_PREFIX):]
            else:
                out[key] = rewrite(value, target)
        return out
    if isinstance(node, list):
        return [rewrite(v, target) for v in node]
    return node


def main(src, out):
    os.makedirs(out, exist_ok=True)
    target = "file://" + os.path.join(os.path.abspath(out), "_definitions.json")
    count = 0
    for name in sorted(os.listdir(src)):
        if not name.endswith(".json") or name == "all.json":
            continue
        with open(os.path.join(src, name), encoding="utf-8") as f:
            schema = json.load(f)
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            json.dump(rewrite(schema, target), f)
        count += 1
    if count == 0:
        sys.exit(f"k8s_schemas: no schemas in {src}")
    print(f"k8s_schemas: {count} schemas written to {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: k8s_schemas.py SRC_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
