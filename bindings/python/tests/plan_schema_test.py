"""The JSON Schema (upgrade_core/plan/schema/upgrade-plan.schema.json) and the
C++ loader agree: the examples validate, every field the schema documents
loads, and what either rejects as unknown the other rejects too."""

import copy
import json
import os
import unittest

import jsonschema
import yaml

import upgrade_core

SCHEMA = os.path.join("upgrade_core", "plan", "schema", "upgrade-plan.schema.json")
EXAMPLE = os.path.join("examples", "rke2-ingress-nginx")


def _load_schema():
    with open(SCHEMA, encoding="utf-8") as f:
        return json.load(f)


def _example(prop):
    return copy.deepcopy(prop["examples"][0])


def _full_plan(schema):
    """A plan using every property the schema lists, from its examples."""
    defs = schema["$defs"]
    top = schema["properties"]
    plan = {
        "apiVersion": "upgrade-core/v1",
        "kind": "UpgradePlan",
        "metadata": {k: _example(v) for k, v in top["metadata"]["properties"].items()},
        "context": _example(top["context"]),
        "policy": {k: _example(v) for k, v in top["policy"]["properties"].items()},
    }
    daemonset = {"kind": "DaemonSet"}
    deployment = {"id": "default-backend", "kind": "Deployment"}
    webhook = {"id": "admission-webhook", "kind": "Webhook"}
    for name, prop in defs["component"]["properties"].items():
        if name == "replicas":
            deployment[name] = _example(prop)
        elif name == "webhook":
            webhook[name] = {k: _example(v) for k, v in prop["properties"].items()}
        elif name == "kind":
            continue
        elif "examples" in prop:
            daemonset[name] = _example(prop)
        elif "$ref" in prop:
            daemonset[name] = _example(defs[prop["$ref"].split("/")[-1]])
        else:  # an object: every sub-property from its example
            daemonset[name] = {k: _example(v) for k, v in prop["properties"].items()}
    daemonset["config"] = {}  # files are exercised by the example plans
    return {**plan, "components": [deployment, daemonset, webhook]}


def _objects(schema):
    """(path in a plan, schema object) for every closed object in a full plan."""
    comp = ["components", 1]
    return [
        ([], schema),
        (["metadata"], schema["properties"]["metadata"]),
        (["policy"], schema["properties"]["policy"]),
        (["policy", "availability", 0], schema["properties"]["policy"]["properties"]["availability"]["items"]),
        (comp, schema["$defs"]["component"]),
        (comp + ["version"], schema["$defs"]["versionChange"]),
        (comp + ["strategy"], schema["$defs"]["component"]["properties"]["strategy"]),
        (comp + ["readiness"], schema["$defs"]["component"]["properties"]["readiness"]),
        (comp + ["retry"], schema["$defs"]["component"]["properties"]["retry"]),
        (comp + ["verify", 0], schema["$defs"]["component"]["properties"]["verify"]["items"]),
        (comp + ["commands"], schema["$defs"]["component"]["properties"]["commands"]),
        (comp + ["commands", "apply"], schema["$defs"]["command"]),
        (["components", 2, "webhook"], schema["$defs"]["component"]["properties"]["webhook"]),
    ]


def _at(doc, path):
    for p in path:
        doc = doc[p]
    return doc


class PlanSchemaTest(unittest.TestCase):
    def setUp(self):
        self.schema = _load_schema()
        jsonschema.Draft202012Validator.check_schema(self.schema)
        self.validator = jsonschema.Draft202012Validator(self.schema)

    def test_examples_validate(self):
        for name in ("plan.yaml", "plan-naive.yaml"):
            with self.subTest(plan=name):
                with open(os.path.join(EXAMPLE, name), encoding="utf-8") as f:
                    doc = yaml.safe_load(f)
                self.validator.validate(doc)

    def test_every_schema_field_loads(self):
        full = _full_plan(self.schema)
        self.validator.validate(full)
        plan = upgrade_core.Plan.from_yaml(json.dumps(full), source="full.json")
        self.assertEqual([c.id for c in plan.components],
                         ["default-backend", "ingress-controller", "admission-webhook"])
        self.assertEqual(plan.components[1].exclusive, ["hostPort:80", "hostPort:443"])

    def test_unknown_fields_rejected_by_both(self):
        full = _full_plan(self.schema)
        for path, obj in _objects(self.schema):
            self.assertFalse(obj.get("additionalProperties", True), path)
            for name in list(obj["properties"]) + ["bogusField"]:
                field = name + "X" if name != "bogusField" else name
                with self.subTest(path=path, field=field):
                    doc = copy.deepcopy(full)
                    _at(doc, path)[field] = 1
                    self.assertFalse(self.validator.is_valid(doc))
                    with self.assertRaises(upgrade_core.PlanError) as ctx:
                        upgrade_core.Plan.from_yaml(json.dumps(doc))
                    self.assertIn("schema.unknown-field", [p.rule for p in ctx.exception.problems])


if __name__ == "__main__":
    unittest.main()
