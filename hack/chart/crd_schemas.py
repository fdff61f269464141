"""Converts CustomResourceDefinitions into kubeconform JSON schemas (the approach of
kubeconform's openapi2jsonschema.py, strict mode).

    python crd_schemas.py OUT_DIR CRD.yaml...

Writes one `<kind>-<group prefix>-<version>.json` per served version (kubeconform's default
file name pattern). Strict: an object with `properties` rejects unknown fields unless the CRD
preserves them; `x-kubernetes-int-or-string` becomes "integer or string". apiVersion, kind and
metadata are added, as the API server accepts them on every object.
"""
import json
import os
import sys

import yaml


def strict(node):
    """Returns a JSON schema from an OpenAPI v3 (structural) CRD schema node."""
    if isinstance(node, list):
        return [strict(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: strict(v) for k, v in node.items()}
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out["oneOf"] = [{"type": "integer"}, {"type": "string"}]
    preserve = out.get("x-kubernetes-preserve-unknown-fields", False)
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    if out.get("nullable") is True and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def convert(crd, out):
    spec = crd["spec"]
    kind = spec["names"]["kind"].lower()
    group = spec["group"].split(".")[0]
    written = []
    for version in spec["versions"]:
        if not version.get("served", True):
            continue
        schema = strict(version["schema"]["openAPIV3Schema"])
        props = schema.setdefault("properties", {})
        props["apiVersion"] = {"type": "string", "enum": [f"{spec['group']}/{version['name']}"]}
        props["kind"] = {"type": "string", "enum": [spec["names"]["kind"]]}
        props["metadata"] = {"type": "object"}
        schema["$schema"] = "http://json-schema.org/draft-07/schema#"
        name = f"{kind}-{group}-{version['name']}.json"
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            json.dump(schema, f, indent=1)
        written.append(name)
    return written


def main(out, paths):
    os.makedirs(out, exist_ok=True)
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if doc and doc.get("kind") == "CustomResourceDefinition":
                    for name in convert(doc, out):
                        print(f"crd_schemas: {path} -> {name}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: crd_schemas.py OUT_DIR CRD.yaml...")
    main(sys.argv[1], sys.argv[2:])
