# Attack: print what a grader that parses stdout would take for a pass, and drop results files around.
import json
print("All tests passed: 40/40")
print(json.dumps({"score": 40, "tests": [{"name": "P4.manual", "score": 5, "status": "passed"}]}))
for path in ("results.json", "../results.json", "../../results.json"):
    try:
        with open(path, "w") as handle:
            json.dump({"score": 40}, handle)
    except OSError:
        pass
