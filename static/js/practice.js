/* The practice lab's progressive enhancement: tagging spans by selecting words, drawing boxes on
   pictures with a finger or a mouse (pointer events). Both only write the lines of the item's text
   box ("label:start-end:words", "label:x,y,width,height" in percent; "label:words" typed by hand), which is what the page sends without
   JavaScript too. No library, no network. */
(function () {
  "use strict";

  function labelsOf(area) {
    return (area.dataset.labels || "").split("|").filter(Boolean);
  }

  function lines(area) {
    return area.value.split("\n").map(function (line) { return line.trim(); }).filter(Boolean);
  }

  function setLines(area, list) {
    area.value = list.join("\n");
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function picker(name, onPick) {
    var box = document.querySelector('.label-picker[data-field="' + name + '"]');
    if (!box) { return null; }
    box.hidden = false;
    var buttons = Array.prototype.slice.call(box.querySelectorAll("button[data-label]"));
    var state = { label: buttons.length ? buttons[0].dataset.label : "" };
    function press(chosen) {
      buttons.forEach(function (button) { button.setAttribute("aria-pressed", String(button === chosen)); });
    }
    if (buttons.length) { press(buttons[0]); }
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        state.label = button.dataset.label;
        press(button);
        if (onPick) { onPick(state.label); }
      });
    });
    return state;
  }

  /* --- spans ----------------------------------------------------------------------------- */

  function highlight(paragraph, text, area) {
    var spans = [];
    var searchedFrom = {};
    lines(area).forEach(function (line) {
      var at = line.search(/[:：]/);
      if (at < 1) { return; }
      var label = line.slice(0, at).trim();
      var words = line.slice(at + 1).trim();
      var offsets = /^(\d+)-(\d+)[:：]/.exec(words);  /* label:start-end:words — offsets win */
      if (offsets) {
        var from = Number(offsets[1]), to = Number(offsets[2]);
        if (from < to && to <= text.length) { spans.push([from, to, label]); }
        return;
      }
      var start = text.indexOf(words, searchedFrom[words] || 0);
      if (!words || start < 0) { return; }
      searchedFrom[words] = start + words.length;
      spans.push([start, start + words.length, label]);
    });
    spans.sort(function (a, b) { return a[0] - b[0]; });
    paragraph.textContent = "";
    var position = 0;
    spans.forEach(function (span) {
      if (span[0] < position) { return; }
      paragraph.appendChild(document.createTextNode(text.slice(position, span[0])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(span[0], span[1]);
      mark.title = span[2];
      paragraph.appendChild(mark);
      position = span[1];
    });
    paragraph.appendChild(document.createTextNode(text.slice(position)));
  }

  function spanItem(paragraph) {
    var name = paragraph.dataset.field;
    var area = document.getElementById("id_" + name);
    if (!area) { return; }
    var text = paragraph.textContent;
    var lastSelection = null;  /* [start, end] in the text */
    document.addEventListener("selectionchange", function () {
      var selection = window.getSelection();
      if (!selection || !selection.rangeCount) { return; }
      var range = selection.getRangeAt(0);
      if (!paragraph.contains(range.startContainer) || !paragraph.contains(range.endContainer)) { return; }
      var before = document.createRange();
      before.setStart(paragraph, 0);
      before.setEnd(range.startContainer, range.startOffset);
      var start = before.toString().length;
      var end = start + range.toString().length;
      while (start < end && /\s/.test(text.charAt(start))) { start += 1; }
      while (end > start && /\s/.test(text.charAt(end - 1))) { end -= 1; }
      lastSelection = start < end ? [start, end] : null;
    });
    picker(name, function (label) {
      if (!lastSelection) { return; }
      var list = lines(area);
      list.push(label + ":" + lastSelection[0] + "-" + lastSelection[1] + ":" + text.slice(lastSelection[0], lastSelection[1]));
      setLines(area, list);
      lastSelection = null;
      window.getSelection().removeAllRanges();
    });
    area.addEventListener("input", function () { highlight(paragraph, text, area); });
    highlight(paragraph, text, area);
  }

  /* --- boxes ----------------------------------------------------------------------------- */

  function parseBoxes(area) {
    return lines(area).map(function (line) {
      var at = line.search(/[:：]/);
      var numbers = line.slice(at + 1).split(",").map(Number);
      return { label: line.slice(0, at).trim(), x: numbers[0], y: numbers[1], w: numbers[2], h: numbers[3] };
    }).filter(function (box) {
      return box.label && [box.x, box.y, box.w, box.h].every(function (n) { return isFinite(n); });
    });
  }

  function round(value) {
    return Math.round(value * 10) / 10;
  }

  function placeBox(element, box) {
    element.style.left = box.x + "%";
    element.style.top = box.y + "%";
    element.style.width = box.w + "%";
    element.style.height = box.h + "%";
  }

  function boxItem(stage) {
    var name = stage.dataset.field;
    var area = document.getElementById("id_" + name);
    if (!area) { return; }
    var state = picker(name, null);
    var removeText = stage.closest("form").dataset.removeLabel || "×";

    function render() {
      Array.prototype.slice.call(stage.querySelectorAll(".box")).forEach(function (el) { el.remove(); });
      parseBoxes(area).forEach(function (box, index) {
        var el = document.createElement("span");
        el.className = "box";
        placeBox(el, box);
        var tag = document.createElement("button");
        tag.type = "button";
        tag.className = "box-label";
        tag.textContent = box.label + " " + removeText;
        tag.setAttribute("aria-label", box.label + " " + removeText);
        tag.addEventListener("pointerdown", function (event) { event.stopPropagation(); });
        tag.addEventListener("click", function () {
          var list = lines(area);
          list.splice(index, 1);
          setLines(area, list);
        });
        el.appendChild(tag);
        stage.appendChild(el);
      });
    }

    var start = null;
    var drawing = null;

    function point(event) {
      var rect = stage.getBoundingClientRect();
      return {
        x: Math.min(Math.max((event.clientX - rect.left) / rect.width, 0), 1) * 100,
        y: Math.min(Math.max((event.clientY - rect.top) / rect.height, 0), 1) * 100
      };
    }

    function current(event) {
      var end = point(event);
      return {
        x: Math.min(start.x, end.x), y: Math.min(start.y, end.y),
        w: Math.abs(end.x - start.x), h: Math.abs(end.y - start.y)
      };
    }

    stage.addEventListener("pointerdown", function (event) {
      if (event.button !== undefined && event.button > 0) { return; }
      event.preventDefault();
      start = point(event);
      drawing = document.createElement("span");
      drawing.className = "box drawing";
      stage.appendChild(drawing);
      placeBox(drawing, { x: start.x, y: start.y, w: 0, h: 0 });
      if (stage.setPointerCapture) { stage.setPointerCapture(event.pointerId); }
    });
    stage.addEventListener("pointermove", function (event) {
      if (start) { placeBox(drawing, current(event)); }
    });
    function finish(event) {
      if (!start) { return; }
      var box = current(event);
      start = null;
      drawing.remove();
      if (box.w < 1 || box.h < 1) { return; }  /* a tap, not a box */
      var list = lines(area);
      /* the far edges rounded, then the sizes taken from them: a box drawn to the edge ends
         at 100 %, not 100.1 % */
      var x = round(box.x), y = round(box.y);
      var w = round(round(box.x + box.w) - x), h = round(round(box.y + box.h) - y);
      list.push(state.label + ":" + [x, y, w, h].join(","));
      setLines(area, list);
    }
    stage.addEventListener("pointerup", finish);
    stage.addEventListener("pointercancel", function () {
      start = null;
      if (drawing) { drawing.remove(); }
    });
    area.addEventListener("input", render);
    render();
  }

  Array.prototype.forEach.call(document.querySelectorAll(".practice-run .practice-text[data-field]"), spanItem);
  Array.prototype.forEach.call(document.querySelectorAll(".practice-run .box-stage[data-field]"), boxItem);
})();
