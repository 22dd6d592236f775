export { MAX_OFFSET, MAX_PRICE_CENTS, Product, ProductId, ProductPage, ProductParams, ProductQuery } from './product';
export { Quote, QuoteLine, QuoteRequest } from './quote';
