import {useEffect, useState} from 'preact/hooks';

import {API_URL} from './config.js';
import {blockUrl, fetchOrderStatus, localeFrom, orderIdFrom, viewModel} from './logic.js';
import {Banner} from './modules/Banner.jsx';
import {Faq} from './modules/Faq.jsx';
import {Social} from './modules/Social.jsx';
import {actionUrl, postAction} from './modules/engagement.js';
import {Newsletter} from './modules/Newsletter.jsx';
import {Recommendations} from './modules/Recommendations.jsx';
import {Survey} from './modules/Survey.jsx';

/** The order-status block; renders nothing until (and unless) the app knows the order. */
export function OrderStatusBlock() {
  const orderId = orderIdFrom(shopify);
  const locale = localeFrom(shopify);
  // Only the order status page can ask for a login; there, a buyer from the confirmation mail
  // is "pre_authenticated" until they log in (then the block asks again, as a customer).
  const canLogin = typeof shopify.requireLogin === 'function';
  const preAuthenticated = shopify.authenticationState?.value === 'pre_authenticated';
  const [data, setData] = useState(null);

  useEffect(() => {
    if (!orderId || !API_URL) return undefined;
    let stopped = false;
    fetchOrderStatus({
      url: blockUrl(API_URL, orderId, locale),
      getToken: () => shopify.sessionToken.get(),
      fetch: (...args) => fetch(...args),
      cancelled: () => stopped,
    }).then((body) => { if (!stopped) setData(body); }, () => {});
    return () => { stopped = true; };
  }, [orderId, locale, preAuthenticated]);

  const t = (key, vars) => shopify.i18n.translate(key, vars);
  // Answers go to the block API with the session token; the survey answer returns the document.
  const post = (what, body) => postAction({url: actionUrl(API_URL, what, locale), body: {...body, order_id: orderId},
                                          getToken: () => shopify.sessionToken.get(), fetch: (...args) => fetch(...args)});
  const actions = {
    t,
    survey: async (body) => { const answer = await post('survey', body); if (answer.ok) setData(answer.body); return answer.ok; },
    newsletter: async (body) => (await post('newsletter', body)).body,
    login: canLogin ? () => shopify.requireLogin().catch(() => {}) : undefined,
  };
  let view = null;
  try {
    view = viewModel(data, t, {canLogin, preAuthenticated});
  } catch {
    view = null;
  }
  return view ? <BlockView view={view} actions={actions} /> : null;
}

export function BlockView({view, actions = {t: (key) => key}}) {
  const t = actions.t;
  return (
    <s-section heading={view.title}>
      <s-stack gap="base">
        {view.branch && (
          <s-banner tone="warning" heading={view.branch}>{view.attention && <s-text>{view.attention}</s-text>}</s-banner>
        )}
        {view.timeline.length > 0 && (
          <s-ordered-list>
            {view.timeline.map((step) => (
              <s-list-item key={step.step}>
                {step.state === 'current' ? <s-text type="strong">{step.text}</s-text> : <s-text color={step.state === 'todo' ? 'subdued' : 'base'}>{step.text}</s-text>}
              </s-list-item>
            ))}
          </s-ordered-list>
        )}
        {view.estimate && (view.estimate.late ? (
          <s-banner tone="warning" heading={view.estimate.title}><s-text>{view.estimate.text}</s-text></s-banner>
        ) : (
          <s-stack gap="small-500">
            <s-heading>{view.estimate.title}</s-heading>
            <s-text>{view.estimate.text}</s-text>
            {view.estimate.source && <s-text color="subdued">{view.estimate.source}</s-text>}
          </s-stack>
        ))}
        {view.login && (
          <s-stack gap="small-500">
            <s-text>{view.login.text}</s-text>
            {view.login.cta && <s-button onClick={actions.login}>{view.login.cta}</s-button>}
          </s-stack>
        )}
        {view.parcels.map((parcel) => (
          <s-stack key={parcel.id} gap="small-500">
            <s-heading>{parcel.heading}</s-heading>
            <s-text>{parcel.status}</s-text>
            {parcel.number && <s-text>{parcel.number}</s-text>}
            {parcel.latest && <s-text color="subdued">{parcel.latest}</s-text>}
            {parcel.url && <s-link href={parcel.url} target="_blank">{parcel.linkText}</s-link>}
          </s-stack>
        ))}
        {view.recommendations && <Recommendations view={view.recommendations} />}
        {view.survey && <Survey view={view.survey} send={actions.survey} t={actions.t} />}
        {view.newsletter && <Newsletter view={view.newsletter} send={actions.newsletter} t={actions.t} />}
        {[view.reorder, view.review].filter(Boolean).map((offer) => (
          <s-stack key={offer.url} gap="small-500">
            <s-heading>{offer.title}</s-heading>
            <s-text>{offer.text}</s-text>
            <s-button href={offer.url} target="_blank">{offer.cta}</s-button>
          </s-stack>
        ))}
        {view.banner && <Banner banner={view.banner} t={t} />}
        {view.faq && <Faq faq={view.faq} />}
        {view.social && <Social social={view.social} />}
      </s-stack>
    </s-section>
  );
}
