from django.core.management.base import BaseCommand

from accounts.demo import ORGANISATIONS, demo_otp_urls, load_demo
from accounts.models import Role


class Command(BaseCommand):
    help = "载入演示数据（人社局、主管部门、两家用人单位、评委会办事机构、年度评审方案、每个角色一名用户）"

    def handle(self, *args, **options):
        users = load_demo()
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。单位：" + "、".join(v[0] for v in ORGANISATIONS.values())))
        self.stdout.write("演示账号（用户名 / 密码 / 角色 / 姓名）：")
        for spec, password in users:
            self.stdout.write(f"  {spec.username:<14} {password:<20} {Role(spec.role).label:<10} {spec.real_name}")
        self.stdout.write("系统管理员 sysadmin 也可登录管理后台 /admin/。")
        self.stdout.write("以下账号须双因素登录：输入密码后，再输入身份验证器（FreeOTP、Microsoft Authenticator 等）"
                          "显示的 6 位动态验证码。请在验证器中手动添加各账号的 otpauth 链接：")
        for username, url in demo_otp_urls().items():
            self.stdout.write(f"  {username:<14} {url}")
