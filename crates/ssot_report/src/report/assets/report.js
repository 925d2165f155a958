// ssot report: sortable and filterable tables, and the drill-down from a path of the graph to
// its directories and files. The pictures are already in the page; this only adds behaviour.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);

  function text(tag, content, className) {
    var element = document.createElement(tag);
    if (content !== undefined) element.textContent = content;
    if (className) element.className = className;
    return element;
  }

  function cellValue(row, column) {
    var cell = row.cells[column];
    if (!cell) return "";
    var raw = cell.getAttribute("data-value");
    return raw !== null ? raw : cell.textContent.trim();
  }

  function sortTable(table, column, header) {
    var body = table.tBodies[0];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var numeric = header.classList.contains("num");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, column), y = cellValue(b, column);
      var order = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
      th.tabIndex = 0;
      th.addEventListener("click", function () { sortTable(table, column, th); });
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortTable(table, column, th); }
      });
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("input.filter"), function (input) {
    var table = document.getElementById(input.getAttribute("data-table"));
    input.addEventListener("input", function () {
      var needle = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) === -1;
      });
    });
  });

  function showFiles(panel, path, directory) {
    panel.textContent = "";
    var back = text("button", "← all directories of " + path.path);
    back.addEventListener("click", function () { showDirectories(panel, path); });
    panel.appendChild(back);
    panel.appendChild(text("h4", directory.directory + ": " + directory.statements + " references in " + directory.files_total + " files"));
    var list = text("ul");
    directory.files.forEach(function (file) {
      var item = text("li");
      item.appendChild(text("code", file.path));
      item.appendChild(document.createTextNode(" — " + file.count));
      list.appendChild(item);
    });
    panel.appendChild(list);
    if (directory.files_total > directory.files.length) {
      panel.appendChild(text("p", (directory.files_total - directory.files.length) + " more files (the JSON report has the full census)", "note"));
    }
  }

  function showDirectories(panel, path) {
    panel.textContent = "";
    panel.appendChild(text("h4", path.path + " (" + path.kind + "): " + path.statements + " references in " + path.files + " files"));
    var most = path.directories.reduce(function (m, d) { return Math.max(m, d.statements); }, 1);
    var list = text("ul");
    path.directories.forEach(function (directory) {
      var item = text("li");
      var bar = text("span", undefined, "bar");
      bar.style.width = Math.max(2, Math.round(120 * directory.statements / most)) + "px";
      item.appendChild(bar);
      var open = text("button", directory.directory);
      open.addEventListener("click", function () { showFiles(panel, path, directory); });
      item.appendChild(open);
      item.appendChild(document.createTextNode(" — " + directory.statements + " references, " + directory.files_total + " files"));
      list.appendChild(item);
    });
    panel.appendChild(list);
    if (path.directories_total > path.directories.length) {
      panel.appendChild(text("p", (path.directories_total - path.directories.length) + " more directories", "note"));
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("section.concept"), function (section) {
    var concept = data.concepts[Number(section.getAttribute("data-concept"))];
    var panel = section.querySelector(".drill");
    Array.prototype.forEach.call(section.querySelectorAll("svg.graph .node[data-path]"), function (node) {
      function select() {
        Array.prototype.forEach.call(section.querySelectorAll("svg.graph .node"), function (n) { n.classList.remove("selected"); });
        node.classList.add("selected");
        showDirectories(panel, concept.paths[Number(node.getAttribute("data-path"))]);
      }
      node.addEventListener("click", select);
      node.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); select(); }
      });
    });
  });

  document.documentElement.setAttribute("data-ready", "true");
})();
