/**
 * The report's only script: clicking (or pressing Enter on) a header cell of
 * a `table.sortable` sorts its body rows by that column, ascending, then
 * descending on the next click. Cells sort by their `data-sort` attribute
 * when they have one, else by their text; numerically when both values are
 * numbers. The sort is stable, and the header's `aria-sort` says the order.
 * Without script the tables are complete and readable, just not sortable.
 *
 * Plain ES5 and DOM level 2 calls, so it runs in any browser and in
 * linkedom (where its test runs it).
 *
 * @module
 */

/** The inline script, as it goes between `<script>` tags. */
export const SORTABLE_SCRIPT = `(function () {
  function key(cell) {
    var s = cell.getAttribute("data-sort");
    return s === null ? cell.textContent.trim() : s;
  }
  function compare(x, y) {
    var nx = Number(x), ny = Number(y);
    if (x !== "" && y !== "" && !isNaN(nx) && !isNaN(ny)) return nx - ny;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  function sortBy(table, heads, th, col) {
    var body = table.querySelector("tbody");
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    for (var j = 0; j < heads.length; j++) heads[j].removeAttribute("aria-sort");
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = [];
    for (var r = 0; r < body.children.length; r++) {
      rows.push({ row: body.children[r], index: r });
    }
    rows.sort(function (a, b) {
      var c = compare(key(a.row.children[col]), key(b.row.children[col]));
      return (ascending ? c : -c) || a.index - b.index;
    });
    for (var k = 0; k < rows.length; k++) body.appendChild(rows[k].row);
  }
  var tables = document.querySelectorAll("table.sortable");
  for (var t = 0; t < tables.length; t++) {
    (function (table) {
      var heads = table.querySelectorAll("thead th");
      for (var i = 0; i < heads.length; i++) {
        (function (th, col) {
          th.setAttribute("tabindex", "0");
          th.setAttribute("title", "sort by this column");
          th.addEventListener("click", function () {
            sortBy(table, heads, th, col);
          });
          th.addEventListener("keydown", function (event) {
            if (event.key === "Enter") sortBy(table, heads, th, col);
          });
        })(heads[i], i);
      }
    })(tables[t]);
  }
})();`;
