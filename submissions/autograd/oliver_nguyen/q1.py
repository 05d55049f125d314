# Question 1
#   x = 2a + 3b,  y = 5a^2 + 3b^3,  z = 2x + 3y
# Path back from z to a:  dz/da = dz/dx * dx/da + dz/dy * dy/da
#                               = 2 * 2 + 3 * 10a = 4 + 30a
# and for b:              dz/db = 2 * 3 + 3 * 9b^2 = 6 + 27b^2
import torch

a = torch.tensor(1.5, requires_grad=True)
b = torch.tensor(-2.0, requires_grad=True)

x = 2 * a + 3 * b
y = 5 * a * a + 3 * b * b * b
z = 2 * x + 3 * y
print(f"x = {x.item()}, y = {y.item()}, z = {z.item()}")

z.backward()

with torch.no_grad():
    dz_da = 4 + 30 * a
    dz_db = 6 + 27 * b ** 2

print(f"dz/da  autograd = {a.grad.item():.4f}   analytic = {dz_da.item():.4f}")
print(f"dz/db  autograd = {b.grad.item():.4f}   analytic = {dz_db.item():.4f}")
print("match:", torch.isclose(a.grad, dz_da).item() and torch.isclose(b.grad, dz_db).item())
