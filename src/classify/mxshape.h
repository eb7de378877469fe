/* mxshape: the shape of an MX host name, the customer's part taken out, so that the hosts of
 * one provider's many customers count as one shape: customer.example.s6a1.psmtp.example for
 * the domain customer.example is "{domain}.s6a1.psmtp.example", customer-example.mail.
 * protection.outlook.com is "{domain}.mail.protection.outlook.com". Pure: no I/O.
 *
 * The rule (docs/schema.md, providers[].mx_shape), names compared ASCII case-insensitively,
 * one trailing dot dropped from each, the result in lower case:
 *   1. the leftmost run of whole labels of the MX host equal to the domain's labels, in order,
 *      is replaced by "{domain}" (mx.customer.example -> mx.{domain}; an implicit MX, the
 *      domain itself, is "{domain}");
 *   2. else the leftmost single label equal to the domain with its dots turned into dashes
 *      (customer-example) is replaced by "{domain}";
 *   3. else the shape is the MX host name itself (it does not embed the domain).
 * Only one occurrence is replaced. A label that merely contains the domain (xcustomer-example,
 * customer-example-01b) is not it: shapes stay exact about what they say. */
#ifndef MXS_MXSHAPE_H
#define MXS_MXSHAPE_H

/* The word that stands for the domain's labels in a shape. */
#define MXSHAPE_DOMAIN "{domain}"

/* The shape of mx_host for domain (either may be NULL: NULL mx_host gives NULL, NULL domain
 * the lowercased host). Newly allocated; the caller frees it. */
char *mxshape(const char *mx_host, const char *domain);

#endif
