"""What Shopify declares about the elements an embedded app writes, read from Shopify's own packages
(tests/shopify_types, installed by `make shopify-types-deps`):

- the Polaris web components (s-*): @shopify/polaris-types' Custom Elements Manifest
  (dist/custom-elements.json): every tag, its attributes, and for an attribute typed as a union
  of string literals, the values it takes;
- App Bridge's elements (ui-title-bar, ui-nav-menu, ui-save-bar, ui-modal): @shopify/app-bridge-types'
  `AppBridgeElements` map in dist/index.d.ts, each to an interface of its attributes, and
  `AugmentedElements`: what App Bridge reads on the <a> and <button> children it takes as actions.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

PACKAGES = Path(__file__).parents[1] / "shopify_types" / "node_modules" / "@shopify"
POLARIS_MANIFEST = PACKAGES / "polaris-types" / "dist" / "custom-elements.json"
APP_BRIDGE_TYPES = PACKAGES / "app-bridge-types" / "dist" / "index.d.ts"


@dataclass
class Element:
    """One declared element: its attributes, and the values of those typed as string literals."""
    attributes: set[str] = field(default_factory=set)
    values: dict[str, set[str]] = field(default_factory=dict)


_LITERAL_UNION = re.compile(r'^\s*"[^"]*"(\s*\|\s*"[^"]*")*\s*$')


def polaris_elements(manifest: Path = POLARIS_MANIFEST) -> dict[str, Element]:
    elements: dict[str, Element] = {}
    for module in json.loads(manifest.read_text())["modules"]:
        for declaration in module.get("declarations", []):
            if not declaration.get("tagName"):
                continue
            element = elements.setdefault(declaration["tagName"], Element())
            for attribute in declaration.get("attributes", []):
                name = attribute["name"].lower()
                element.attributes.add(name)
                kind = attribute.get("type", {}).get("text", "")
                if _LITERAL_UNION.match(kind):
                    element.values.setdefault(name, set()).update(re.findall(r'"([^"]*)"', kind))
    return elements


def _interfaces(source: str) -> dict[str, tuple[list[str], list[str]]]:
    """interface name -> (the interfaces it extends, its own property names), from a .d.ts."""
    found = {}
    for match in re.finditer(r"^(?:export )?interface (\w+)(?: extends ([\w, ]+))? \{\n(.*?)^\}", source,
                             re.M | re.S):
        name, parents, body = match.groups()
        properties = re.findall(r"^\t(\w+)\??:", body, re.M)
        found[name] = ([p.strip() for p in (parents or "").split(",") if p.strip()], properties)
    return found


def _properties(interfaces: dict, name: str) -> set[str]:
    parents, own = interfaces[name]
    names = set(own)
    for parent in parents:
        names |= _properties(interfaces, parent)
    return names


def _element_map(source: str, interface: str) -> dict[str, str]:
    body = re.search(rf"^interface {interface} \{{\n(.*?)^\}}", source, re.M | re.S).group(1)
    return dict(re.findall(r'^\t"?([\w-]+)"?: (\w+);', body, re.M))


def app_bridge_elements(types: Path = APP_BRIDGE_TYPES) -> tuple[dict[str, Element], dict[str, Element]]:
    """(the ui-* elements, the <a>/<button> children App Bridge reads), each tag to its attributes
    (lower-cased, as HTML has them; `children` is content, not an attribute)."""
    source = types.read_text()
    interfaces = _interfaces(source)

    def declared(interface_map: str) -> dict[str, Element]:
        return {tag: Element({p.lower() for p in _properties(interfaces, name)} - {"children"})
                for tag, name in _element_map(source, interface_map).items()}

    ui = {tag: element for tag, element in declared("AppBridgeElements").items() if tag.startswith("ui-")}
    return ui, declared("AugmentedElements")
