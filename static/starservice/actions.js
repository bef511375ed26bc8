// Small behaviours that would otherwise be inline handlers, which the Content Security Policy
// forbids:
//   <button data-action="print">    prints the page;
//   <input data-enter="ignore">     Enter in this field does not submit its form.
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-action]");
  if (target && target.dataset.action === "print") {
    event.preventDefault();
    window.print();
  }
});
document.addEventListener("keydown", function (event) {
  if (event.key === "Enter" && event.target.closest("[data-enter='ignore']")) {
    event.preventDefault();
  }
});
