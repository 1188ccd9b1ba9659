# make-examples.py: writes helpfulness.json and helpfulness.xml from ../helpfulness.yaml, so the
# three formats hold the same rubric (RubricFormatTests proves they load to the same model).
# Run from this folder: python3 make-examples.py   (needs PyYAML)
import json
import yaml
from xml.sax.saxutils import escape

with open("../helpfulness.yaml") as f:
    rubric = yaml.safe_load(f)

with open("helpfulness.json", "w") as f:
    json.dump(rubric, f, indent=2, ensure_ascii=False)
    f.write("\n")

LISTS = {"criteria": "criterion", "levels": "level"}


def element(name, value, indent):
    pad = "  " * indent
    if isinstance(value, dict):
        inner = "".join(element(k, v, indent + 1) for k, v in value.items())
        return f"{pad}<{name}>\n{inner}{pad}</{name}>\n"
    if isinstance(value, list):
        inner = "".join(element(LISTS[name], v, indent + 1) for v in value)
        return f"{pad}<{name}>\n{inner}{pad}</{name}>\n"
    return f"{pad}<{name}>{escape(str(value))}</{name}>\n"


with open("helpfulness.xml", "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    f.write(element("rubric", rubric, 0))
