"""Pages: the public verification (form and QR link, no sign-in, rate-limited), the certificates a
user may see (holder, employer staff, bureau), the PDF download and the bureau's revocation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.errors import DomainError

from .models import Certificate
from .selectors import access_certificate, find_for_verification, public_view, visible_certificates
from .services import revoke_certificate
from .throttles import VerificationThrottle, throttled_message

PAGE_SIZE = 50


def _throttled(request):
    throttle = VerificationThrottle()
    if throttle.allow_request(request, None):
        return None
    return render(request, "429.html", {"message": throttled_message(throttle.wait())}, status=429)


def _verification(request, number: str, code: str):
    if (refused := _throttled(request)) is not None:
        return refused
    certificate = find_for_verification(number, code)
    context = {"number": number, "code": code, "searched": True,
               "result": public_view(certificate) if certificate else None}
    return render(request, "certificates/verify.html", context, status=200 if certificate else 404)


@require_GET
def verify(request):
    """The form (number + verification code); with both given, the answer below it."""
    number, code = request.GET.get("number", "").strip(), request.GET.get("code", "").strip()
    if not number and not code:
        return render(request, "certificates/verify.html", {"number": "", "code": "", "searched": False})
    return _verification(request, number, code)


@require_GET
def verify_link(request, number, code):
    """The QR code's link: the same answer as the form."""
    return _verification(request, number, code)


@login_required
@require_GET
def certificate_list(request):
    certificates = list(visible_certificates(request.user)[:PAGE_SIZE])
    return render(request, "certificates/list.html", {"certificates": certificates})


@login_required
@require_GET
def certificate_detail(request, pk):
    certificate = access_certificate(request.user, pk)
    return render(request, "certificates/detail.html", {
        "certificate": certificate,
        "may_revoke": certificate.is_valid and request.user.has_perm("certificates.revoke_certificate", certificate),
        "reasons": Certificate.RevocationReason.choices,
    })


@login_required
@require_GET
def certificate_pdf(request, pk):
    """The signed PDF, after the same gate as the certificate; opens inline for printing."""
    certificate = access_certificate(request.user, pk)
    if not certificate.pdf:
        raise Http404("证书文件尚未生成")
    response = FileResponse(certificate.pdf.open("rb"), content_type="application/pdf",
                            filename=f"{certificate.number}.pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def certificate_revoke(request, pk):
    try:
        revoke_certificate(actor=request.user, certificate_id=pk, reason=request.POST.get("reason", ""),
                           text=request.POST.get("text", ""), basis=request.POST.get("basis", ""), request=request)
    except DomainError as error:
        for field_messages in error.errors.values():
            for message in field_messages:
                messages.error(request, message)
    else:
        messages.success(request, "证书已撤销，公开核验即时显示撤销状态")
    return redirect("certificates:detail", pk=pk)
