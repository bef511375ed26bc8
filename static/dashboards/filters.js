/* Choosing another scheme drops the period picked for the old one (its key may not even be a
   period of the new scheme's kind) and shows the new scheme's current period. */
(function () {
  "use strict";
  document.querySelectorAll("select[data-resets]").forEach(function (select) {
    select.addEventListener("change", function () {
      var other = document.getElementById(select.dataset.resets);
      if (other) {
        other.disabled = true;
      }
      select.form.submit();
    });
  });
})();
