"""`upgradectl simulate --svg` writes a well-formed SVG 1.1 document (parsed
with xml.etree): one panel per service, the floor dashed, the time below it
shaded; the same seed gives the same bytes."""

import os
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET

ROOT = os.path.join(os.environ.get("TEST_SRCDIR", "."), "upgrade_core")
UPGRADECTL = os.path.join(ROOT, "tools", "upgradectl", "upgradectl")
EXAMPLE = os.path.join(ROOT, "examples", "rke2-ingress-nginx")
SVG = "{http://www.w3.org/2000/svg}"


def simulate_svg(plan, seed="0"):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "chart.svg")
        proc = subprocess.run(
            [UPGRADECTL, "simulate", os.path.join(EXAMPLE, plan), "--seed",
             seed, "--svg", path],
            capture_output=True, text=True, timeout=60)
        with open(path, "rb") as f:
            return proc.returncode, f.read()


class SimulateSvgTest(unittest.TestCase):

    def test_fixed_plan_parses_with_a_panel_per_service(self):
        code, data = simulate_svg("plan.yaml")
        self.assertEqual(code, 0)
        root = ET.fromstring(data)
        self.assertEqual(root.tag, SVG + "svg")
        self.assertEqual(root.get("version"), "1.1")
        panels = root.findall(SVG + "g")
        self.assertEqual(len(panels), 2)  # default-backend, ingress
        titles = [p.find(SVG + "text").text for p in panels]
        self.assertTrue(any(t.startswith("ingress: ") for t in titles), titles)
        floors = root.findall(".//" + SVG + "line[@class='floor']")
        self.assertEqual(len(floors), 1)
        self.assertEqual(floors[0].get("stroke-dasharray"), "6 4")
        self.assertEqual(root.findall(".//" + SVG + "rect[@class='below-floor']"),
                         [])

    def test_naive_plan_parses_and_is_stable(self):
        code, data = simulate_svg("plan-naive.yaml", "3")
        self.assertEqual(code, 1)
        root = ET.fromstring(data)
        self.assertEqual(len(root.findall(".//" + SVG + "path[@class='ready']")),
                         2)
        self.assertEqual(simulate_svg("plan-naive.yaml", "3")[1], data)

    def test_the_readme_picture_is_current(self):
        # docs/img/ingress-fixed-plan.svg is this command's output; regenerate
        # it with: upgradectl simulate examples/rke2-ingress-nginx/plan.yaml
        #          --svg docs/img/ingress-fixed-plan.svg
        code, data = simulate_svg("plan.yaml")
        self.assertEqual(code, 0)
        with open(os.path.join(ROOT, "docs", "img", "ingress-fixed-plan.svg"),
                  "rb") as f:
            self.assertEqual(f.read(), data,
                             "docs/img/ingress-fixed-plan.svg is stale")


if __name__ == "__main__":
    unittest.main()
