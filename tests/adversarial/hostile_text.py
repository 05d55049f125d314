# Attack: output meant to inject into terminals, HTML and CI logs; the answers themselves are right.
import sys
# {CORRECT_ANSWERS}
print("\x1b[2J\x1b[31mRED\x1b[0m <script>window.__xss = 1</script> ::error::forged \x00 NUL")
print("::stop-commands::pwn")
sys.stderr.write("\udcff invalid surrogate and \x07 bell\n")
