// On a narrow screen the section navigation scrolls sideways: bring the current section into
// view, so a reader on a phone sees which section they are in.
(function () {
  var current = document.querySelector('.sections-nav [aria-current="page"]');
  if (!current) return;
  var list = current.closest("ul");
  if (list.scrollWidth <= list.clientWidth) return;
  var item = current.parentElement;
  var offset = item.getBoundingClientRect().left - list.getBoundingClientRect().left;
  list.scrollLeft += offset - (list.clientWidth - item.offsetWidth) / 2;
})();
