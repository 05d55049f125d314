# Attack: overwrite a file outside the scratch folder, delete the answers, plant a result for a classmate.
import os, shutil
for action in (
    lambda: open("{SENTINEL}", "w").write("owned"),
    lambda: os.remove("{SENTINEL}"),
    lambda: shutil.rmtree("{REFERENCE}"),
    lambda: open("{OUT}/autograd/results/honest.json", "w").write("{}"),
):
    try:
        action()
    except Exception as error:
        print("blocked:", type(error).__name__)
