"""Task 1: z = 2x + 3y with x = 2a + 3b, y = 5a^2 + 3b^3"""
import torch

a = torch.tensor(2.5, requires_grad=True)
b = torch.tensor(0.5, requires_grad=True)

x = 2*a + 3*b
y = 5*a**2 + 3*b**3
z = 2*x + 3*y
z.backward()

# by hand
#   dz/da = dz/dx * dx/da + dz/dy * dy/da = 2*2 + 3*10a
#   dz/db = dz/dx * dx/db + dz/dy * dy/db = 2*3 + 3*9b^2
dz_da = 4 + 30*a.item()
dz_db = 6 + 27*b.item()**2

print('dz/da -> torch: {:.3f} | by hand: {:.3f}'.format(a.grad.item(), dz_da))
print('dz/db -> torch: {:.3f} | by hand: {:.3f}'.format(b.grad.item(), dz_db))
