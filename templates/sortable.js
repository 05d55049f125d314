// Click a column heading to sort its table by that column; click again to reverse.
document.querySelectorAll("table.sortable").forEach(function (table) {
  var headings = Array.from(table.tHead.rows[0].cells);
  headings.forEach(function (th, column) {
    th.querySelector("button").addEventListener("click", function () {
      var up = th.getAttribute("aria-sort") !== "ascending";
      var key = function (row) { var c = row.cells[column]; return c.dataset.sort !== undefined ? c.dataset.sort : c.textContent.trim(); };
      var rows = Array.from(table.tBodies[0].rows).sort(function (a, b) {
        var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
        var order = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return up ? order : -order;
      });
      headings.forEach(function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      rows.forEach(function (row) { table.tBodies[0].appendChild(row); });
    });
  });
});
