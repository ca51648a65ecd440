"""Admin pages of the money at the table (issue 18): a session's bill at the desk and the shift
report (+ CSV). Every form calls one games.services function; refusals show as messages."""

from __future__ import annotations

import csv
import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from games import selectors, services
from games.models import (
    CatalogueItem,
    Payment,
    SessionItem,
    SessionShare,
    Shift,
    Table,
    TableSession,
)


def rub(kopecks: int | None) -> str:
    if kopecks is None:
        return "—"
    sign = "-" if kopecks < 0 else ""
    kopecks = abs(kopecks)
    return f"{sign}{kopecks // 100:,}.{kopecks % 100:02d} ₽".replace(",", "\u202f")


def kopecks(value) -> int:
    return int(round(value * 100))


class TransferForm(forms.Form):
    table = forms.ModelChoiceField(queryset=Table.objects.none(), label=_("to table"))


class ItemForm(forms.Form):
    item = forms.ModelChoiceField(queryset=CatalogueItem.objects.none(), label=_("item"))
    quantity = forms.IntegerField(min_value=1, max_value=services.MAX_QUANTITY, initial=1)


class RemoveItemForm(forms.Form):
    line = forms.ModelChoiceField(queryset=SessionItem.objects.none(), label=_("line"))
    reason = forms.CharField(max_length=200, label=_("reason"))


class DiscountForm(forms.Form):
    percent = forms.IntegerField(min_value=0, max_value=100, initial=0, label=_("percent"))
    amount_rub = forms.DecimalField(min_value=0, decimal_places=2, initial=0, label=_("amount, ₽"))
    reason = forms.CharField(max_length=200, required=False, label=_("reason"))


class PlayerForm(forms.Form):
    username = forms.CharField(max_length=150, label=_("player's username"))


class PaymentForm(forms.Form):
    method = forms.ChoiceField(
        choices=[(m, label) for m, label in Payment.Method.choices if m != Payment.Method.DEPOSIT]
    )
    amount_rub = forms.DecimalField(min_value=0.01, decimal_places=2, label=_("amount, ₽"))
    tendered_rub = forms.DecimalField(
        min_value=0, decimal_places=2, required=False, label=_("cash handed over, ₽")
    )
    share = forms.ModelChoiceField(queryset=SessionShare.objects.none(), required=False)
    nonce = forms.CharField(widget=forms.HiddenInput)


class RefundForm(forms.Form):
    payment = forms.ModelChoiceField(queryset=Payment.objects.none())
    amount_rub = forms.DecimalField(min_value=0.01, decimal_places=2, label=_("amount, ₽"))
    reason = forms.CharField(max_length=200)
    nonce = forms.CharField(widget=forms.HiddenInput)


def _forms(session: TableSession, data=None) -> dict:
    club_id = session.table.club_id
    found = {
        "transfer": TransferForm(data, prefix="transfer"),
        "item": ItemForm(data, prefix="item"),
        "remove_item": RemoveItemForm(data, prefix="remove_item"),
        "discount": DiscountForm(
            data,
            prefix="discount",
            initial={
                "percent": session.discount_percent,
                "amount_rub": session.discount_amount / 100,
                "reason": session.discount_reason,
            },
        ),
        "add_player": PlayerForm(data, prefix="add_player"),
        "remove_player": PlayerForm(data, prefix="remove_player"),
        "payment": PaymentForm(
            data, prefix="payment", initial={"nonce": secrets.token_urlsafe(12)}
        ),
        "refund": RefundForm(data, prefix="refund", initial={"nonce": secrets.token_urlsafe(12)}),
    }
    found["transfer"].fields["table"].queryset = Table.objects.filter(
        club_id=club_id, in_service=True
    ).exclude(pk=session.table_id)
    found["item"].fields["item"].queryset = selectors.catalogue_of(club_id=club_id)
    found["remove_item"].fields["line"].queryset = selectors.session_live_items(session)
    found["payment"].fields["share"].queryset = session.shares.all()
    found["refund"].fields["payment"].queryset = session.payments.filter(kind=Payment.Kind.PAYMENT)
    return found


def _user(username: str):
    user = get_user_model().objects.filter(username=username.strip()).first()
    if user is None:
        raise DomainError(str(_("No such player.")), code="not_found")
    return user


def _apply(op: str, form, session: TableSession, actor) -> None:
    d = form.cleaned_data if form is not None else {}
    sid = session.pk
    if op == "pause":
        services.session_pause(session_id=sid, actor=actor)
    elif op == "resume":
        services.session_resume(session_id=sid, actor=actor)
    elif op == "close":
        services.session_close(session_id=sid, closed_by=actor)
    elif op in ("split_equal", "split_time", "split_loser"):
        services.session_split(session_id=sid, mode=op.removeprefix("split_"), actor=actor)
    elif op == "transfer":
        services.session_transfer(session_id=sid, to_table_id=d["table"].pk, actor=actor)
    elif op == "item":
        services.session_add_item(
            session_id=sid, item_id=d["item"].pk, quantity=d["quantity"], actor=actor, by_staff=True
        )
    elif op == "remove_item":
        services.session_remove_item(line_id=d["line"].pk, actor=actor, reason=d["reason"])
    elif op == "discount":
        services.session_set_discount(
            session_id=sid,
            actor=actor,
            percent=d["percent"],
            amount=kopecks(d["amount_rub"]),
            reason=d["reason"],
        )
    elif op == "add_player":
        services.session_add_player(session_id=sid, player=_user(d["username"]), actor=actor)
    elif op == "remove_player":
        services.session_remove_player(session_id=sid, player=_user(d["username"]), actor=actor)
    elif op == "payment":
        tendered = d.get("tendered_rub")
        services.payment_record(
            session_id=sid,
            method=d["method"],
            amount=kopecks(d["amount_rub"]),
            tendered=kopecks(tendered) if tendered else None,
            share_id=d["share"].pk if d.get("share") else None,
            idempotency_key=f"admin:{d['nonce']}",
            actor=actor,
        )
    elif op == "refund":
        services.payment_refund(
            payment_id=d["payment"].pk,
            amount=kopecks(d["amount_rub"]),
            actor=actor,
            reason=d["reason"],
            idempotency_key=f"admin-refund:{d['nonce']}",
        )
    else:
        raise Http404


FORMLESS = {"pause", "resume", "close", "split_equal", "split_time", "split_loser"}


def session_money_view(modeladmin, request, session_id: int):
    session = (
        TableSession.objects.select_related("table", "table__club").filter(pk=session_id).first()
    )
    if session is None:
        raise Http404
    if request.method == "POST":
        op = request.POST.get("op", "")
        forms_ = _forms(session, request.POST)
        form = None if op in FORMLESS else forms_.get(op)
        if op not in FORMLESS and form is None:
            raise Http404
        if form is not None and not form.is_valid():
            modeladmin.message_user(request, form.errors.as_text(), messages.ERROR)
        else:
            try:
                _apply(op, form, session, request.user)
                modeladmin.message_user(request, _("Done."), messages.SUCCESS)
            except DomainError as exc:
                modeladmin.message_user(request, exc.detail, messages.ERROR)
        return HttpResponseRedirect(request.path)
    view = selectors.session_view(session)
    money = view["money"]
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Bill of %(session)s") % {"session": session},
        "opts": modeladmin.model._meta,
        "session": session,
        "view": view,
        "money": money,
        "rub": {
            k: rub(money[k])
            for k in ("time", "items_total", "discount", "total", "paid_amount", "owed")
        },
        "items": [{**i, "amount_rub": rub(i["amount"])} for i in money["items"]],
        "shares": [
            {**s, "amount_rub": rub(s["amount"]), "left_rub": rub(s["left"])}
            for s in money["shares"]
        ],
        "payments": [
            {**p, "amount_rub": rub(p["amount"] if p["kind"] == "payment" else -p["amount"])}
            for p in money["payments"]
        ],
        "forms": _forms(session),
        "paid_on_provider_note": _(
            "An online (Telegram) payment is refunded in the payment provider's dashboard; "
            "record the refund here."
        ),
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/games/session_money.html", context)


def shift_report_view(modeladmin, request, shift_id: int):
    shift = Shift.objects.select_related("club").filter(pk=shift_id).first()
    if shift is None:
        raise Http404
    if request.method == "POST" and shift.closed_at is None:
        try:
            counted = kopecks(
                forms.DecimalField(min_value=0).clean(request.POST.get("counted_rub"))
            )
            services.shift_close(shift_id=shift.pk, actor=request.user, counted_cash=counted)
            modeladmin.message_user(request, _("Shift closed."), messages.SUCCESS)
        except (DomainError, forms.ValidationError) as exc:
            modeladmin.message_user(request, getattr(exc, "detail", exc), messages.ERROR)
        return HttpResponseRedirect(request.path)
    report = selectors.shift_report(shift)
    if request.GET.get("format") == "csv":
        return _report_csv(shift, report)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Shift report"),
        "opts": modeladmin.model._meta,
        "shift": shift,
        "report": report,
        "rows": _report_rows(report),
        "csv_url": reverse("admin:games_shift_report", args=[shift.pk]) + "?format=csv",
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/games/shift_report.html", context)


def _report_rows(report: dict) -> list[tuple[str, str, str]]:
    """(section, name, value) rows: the page and the CSV show the same figures."""
    rows = [("method", m, rub(v)) for m, v in report["by_method"].items()]
    rows.append(("total", str(_("revenue")), rub(report["revenue"])))
    rows += [("table", t, rub(v)) for t, v in report["by_table"].items()]
    rows += [
        ("item", f"{n} × {v['quantity']}", rub(v["amount"])) for n, v in report["by_item"].items()
    ]
    rows.append(("discounts", "", rub(report["discounts"])))
    rows.append(("refunds", "", rub(report["refunds"])))
    rows += [("owed", str(s), rub(s.owed)) for s in report["owed"]]
    rows.append(("cash", str(_("expected")), rub(report["expected_cash"])))
    rows.append(("cash", str(_("counted")), rub(report["counted_cash"])))
    rows.append(("cash", str(_("difference")), rub(report["cash_difference"])))
    return rows


def _report_csv(shift: Shift, report: dict) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="shift-{shift.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(["section", "name", "kopecks"])
    for m, v in report["by_method"].items():
        writer.writerow(["method", m, v])
    writer.writerow(["total", "revenue", report["revenue"]])
    for t, v in report["by_table"].items():
        writer.writerow(["table", t, v])
    for n, v in report["by_item"].items():
        writer.writerow(["item", f"{n} x {v['quantity']}", v["amount"]])
    writer.writerow(["discounts", "", report["discounts"]])
    writer.writerow(["refunds", "", report["refunds"]])
    for s in report["owed"]:
        writer.writerow(["owed", str(s), s.owed])
    writer.writerow(["cash", "expected", report["expected_cash"]])
    writer.writerow(
        ["cash", "counted", report["counted_cash"] if report["counted_cash"] is not None else ""]
    )
    writer.writerow(
        [
            "cash",
            "difference",
            report["cash_difference"] if report["cash_difference"] is not None else "",
        ]
    )
    return response
