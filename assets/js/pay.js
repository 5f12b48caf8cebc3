// OC Pizza: the online payment page. Stripe's Payment Element collects the card (in
// Stripe's own frames); confirming sends the browser to Stripe for 3-D Secure if needed,
// then back to the order's page, which waits for the server's confirmation (Stripe's
// signed webhook): what this page reports is never taken as proof of payment.
(function () {
  var form = document.getElementById("payment-form");
  if (!form || !window.Stripe) return;
  var button = document.getElementById("payment-submit");
  var message = document.getElementById("payment-message");
  var stripe = window.Stripe(form.getAttribute("data-publishable-key"), { locale: "fr" });
  var elements = stripe.elements({ clientSecret: form.getAttribute("data-client-secret") });
  var element = elements.create("payment");
  element.mount("#payment-element");
  button.disabled = false;

  function say(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (typeof stripe.confirmPayment !== "function") {
      say("Le paiement en ligne est indisponible pour le moment : réessayez dans un instant.");
      return;
    }
    button.disabled = true;
    say("");
    stripe
      .confirmPayment({ elements: elements, confirmParams: { return_url: form.getAttribute("data-return-url") } })
      .then(function (result) {
        // Only reached when Stripe did not redirect: the card was refused or incomplete.
        if (result && result.error) say(result.error.message || "Le paiement n'a pas abouti.");
        button.disabled = false;
      });
  });
})();
