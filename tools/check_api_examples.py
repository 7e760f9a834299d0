"""Checks the JSON examples of www/backend-api.md against www/openapi.yaml.

Every ```json block of the API document must be preceded by a line
`<!-- schema: Name -->` naming a schema of the OpenAPI document's components; the block must
parse as JSON and be valid against that schema. A block without the line, or naming a schema
that does not exist, is an error: no example goes unchecked. Run by tools/api-check.sh
(make test).
"""

import json
import re
import sys

import jsonschema_rs
import yaml

MARKER = re.compile(r"^<!-- schema: ([A-Za-z]+) -->$")


def examples(markdown):
    """(line number, schema name or None, JSON text) for every ```json block."""
    lines = markdown.splitlines()
    found = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```json":
            start = i + 1
            end = start
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            marker = MARKER.match(lines[i - 1].strip()) if i > 0 else None
            found.append((start, marker.group(1) if marker else None, "\n".join(lines[start:end])))
            i = end
        i += 1
    return found


def main(api_md, openapi_yaml):
    with open(openapi_yaml, encoding="utf-8") as f:
        document = yaml.safe_load(f)
    with open(api_md, encoding="utf-8") as f:
        blocks = examples(f.read())
    schemas = document["components"]["schemas"]
    problems = []
    for line, name, text in blocks:
        where = f"{api_md}:{line}"
        if name is None:
            problems.append(f"{where}: no <!-- schema: Name --> line before this example")
            continue
        if name not in schemas:
            problems.append(f"{where}: no schema {name} in {openapi_yaml}")
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as e:
            problems.append(f"{where}: not JSON ({e})")
            continue
        # The whole document is the root, so its #/components/... references resolve.
        validator = jsonschema_rs.Draft202012Validator({**document, "$ref": f"#/components/schemas/{name}"})
        for error in validator.iter_errors(value):
            problems.append(f"{where}: {name}: {error.message} at {list(error.instance_path)}")
    for p in problems:
        print(p, file=sys.stderr)
    print(f"api examples: {len(blocks)} checked against {openapi_yaml}, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
